## dmesg: tests of the kernel-log decoder (plugins/dmesg.c, built in
## mk/plugins.mk) on synthetic dumps of every log layout: the 5.10+ printk
## ring buffer in the states a crash leaves it in, and log_buf of 3.5-5.9.
## tests/dmesg-gen.py writes the dumps (python3, no code shared with vmscope).
## tests/dmesg-real.sh checks levels, caller ids and dev_info on the real
## dumps against the console, the kernel config and dev_printk's own text.

TESTS += tests/dmesg.sh tests/dmesg-real.sh
EXTRA_DIST += tests/dmesg.sh tests/dmesg-real.sh tests/dmesg-gen.py
