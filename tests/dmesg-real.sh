#!/bin/sh
# `vmscope dmesg` fields beyond the text on the real dumps (tests/plugins-real.sh
# checks the text against the console), each against a truth vmscope did not
# compute:
#  - levels (--level): the serial console printed a record iff its level is
#    below the kernel's CONFIG_CONSOLE_LOGLEVEL_DEFAULT (from the kernel's
#    own config in the real-dump cache; the guests boot without loglevel=);
#  - caller ids (--caller): start_kernel() runs as pid 0, so "Linux
#    version" is [T0]; kernel_init() is pid 1, so "Run /init as init
#    process" is [T1]; an oops' "CPU: n PID: p Comm:" line is [Tp];
#  - dev_info (--dict): dev_printk() starts the text with "<driver or bus>
#    <device name>: " and records DEVICE=+<subsystem>:<device name> and
#    SUBSYSTEM=<subsystem>: the two must agree on every record.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/real-boots.sh"

VMSCOPE_PLUGIN_PATH="$top_builddir/plugins/.libs"; export VMSCOPE_PLUGIN_PATH
out=${TMPDIR:-/tmp}/dmesg-real.$$
found=0
for boot in "$boots"/*; do
	[ -f "$boot/truth.json" ] && [ -f "$boot/elf-paging.vmcore" ] || continue
	found=1
	python3 - "$VMSCOPE" "$boot" <<'PY'
import json, os, re, subprocess, sys

vmscope, boot = sys.argv[1], sys.argv[2]
name = os.path.basename(boot)
truth = json.load(open(os.path.join(boot, "truth.json")))
dump = os.path.join(boot, "elf-paging.vmcore")

def ok(good, desc, diag=""):
    print(("ok" if good else "not ok") + " - " + name + ": " + desc)
    if not good and diag:
        for line in str(diag).splitlines()[:15]:
            print("#   " + line)

def skip(desc, why):
    print("ok - " + name + ": " + desc + " # SKIP " + why)

def run(*args):
    p = subprocess.run([vmscope, "dmesg"] + list(args) + [dump], capture_output=True,
                       text=True, errors="replace")
    return p.returncode, p.stdout, p.stderr

if not truth.get("has_vmcoreinfo", True):
    skip("dmesg levels, callers, dev_info", "no VMCOREINFO: the log's offsets would need a vmlinux")
    sys.exit(0)

# ---- levels against the console -------------------------------------------
release = name.split("@", 1)[1]
config = os.path.join(os.path.dirname(os.path.dirname(boot)), "kernels", release, "config")
loglevel = None
if os.path.exists(config):
    m = re.search(r"^CONFIG_CONSOLE_LOGLEVEL_DEFAULT=(\d+)$", open(config).read(), re.M)
    loglevel = int(m.group(1)) if m else None
cmdline = truth.get("cmdline", "")
if loglevel is None:
    skip("--level against the console", "no CONFIG_CONSOLE_LOGLEVEL_DEFAULT in " + config)
elif re.search(r"(^| )(loglevel=|quiet|debug|ignore_loglevel)", cmdline):
    skip("--level against the console", "the command line changes the console loglevel: " + cmdline)
else:
    con = open(os.path.join(boot, "console.log"), errors="replace").read().replace("\r", "")
    shown, section = set(), None
    for line in con.split("\n"):
        m = re.match(r"^@@VMSCOPE-(BEGIN|END) (\S+)", line)
        if m:
            section = m.group(2) if m.group(1) == "BEGIN" else None
        elif section is None:
            shown.add(line)
    rc, out, err = run("--level")
    wrong, counts = [], {}
    for line in out.split("\n"):
        m = re.match(r"^<(\d+)>(\[.*)$", line)
        if not m:
            continue
        level = int(m.group(1)) & 7
        counts[level] = counts.get(level, 0) + 1
        if (m.group(2) in shown) != (level < loglevel):
            wrong.append(line)
    ok(rc == 0 and not wrong and len(counts) >= 3 and sum(counts.values()) > 100,
       "--level: the console (loglevel %d) shows exactly the lines below it (levels %s)"
       % (loglevel, counts), err + "\n".join(wrong[:10]))

# ---- caller ids --------------------------------------------------------------
rc, out, err = run("--caller")
lines = out.split("\n")
def caller_of(pattern):
    for line in lines:
        m = re.match(r"^\[\s*\d+\.\d+\]\[\s*([TC]\d+)\] (.*)$", line)
        if m and re.match(pattern, m.group(2)):
            return m.group(1)
    return None
got = (caller_of(r"Linux version "), caller_of(r"Run /init as init process"))
ok(rc == 0 and got == ("T0", "T1"),
   "--caller: 'Linux version' from pid 0 [T0], 'Run /init' from pid 1 [T1]", "got %r\n%s" % (got, err))
oops = [(m.group(1), m.group(2)) for m in
        (re.match(r"^\[\s*\d+\.\d+\]\[\s*(T\d+)\] CPU: \d+ PID: (\d+) Comm:", l) for l in lines) if m]
if truth.get("panicked"):
    ok(oops and all(c == "T" + p for c, p in oops),
       "--caller: the oops' 'CPU: n PID: p' line is [Tp] (%d lines)" % len(oops), repr(oops))

# ---- dev_info against the text ----------------------------------------------
rc, out, err = run("--json")
bad, n = [], 0
for r in json.loads(out)["records"] if rc == 0 else []:
    d = dict(x.split("=", 1) for x in r.get("dict", []))
    if not d.get("DEVICE", "").startswith("+"):
        continue
    n += 1
    sub, dev = d["DEVICE"][1:].split(":", 1)
    if d.get("SUBSYSTEM") != sub or not re.match(r"^\S+ " + re.escape(dev) + ": ", r["text"]):
        bad.append("%r: %s" % (d, r["text"][:80]))
ok(rc == 0 and n >= 10 and not bad,
   "--dict: DEVICE=+subsystem:name and SUBSYSTEM agree with dev_printk's text on %d records" % n,
   err + "\n".join(bad[:10]))
PY
done >"$out" 2>&1
if [ $found = 0 ]; then
	tap_skip "dmesg on real dumps" "no real dump with truth.json and elf-paging.vmcore in $boots"
	tap_done
	exit $?
fi
# Renumber the python output into one TAP stream.
while IFS= read -r line; do
	case $line in
	"ok - "*" # SKIP "*) d=${line#ok - }; tap_skip "${d% \# SKIP *}" "${d##* \# SKIP }" ;;
	"ok - "*) tap_result ok "${line#ok - }" ;;
	"not ok - "*) tap_result fail "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done <"$out"
rm -f "$out"
tap_done
