#!/bin/sh
# /init of the vmscope real-dump bench initramfs (busybox, static).
# Prints the guest's own view of itself on the console between
# "@@VMSCOPE-BEGIN <name>" / "@@VMSCOPE-END <name>" markers; the host parses
# them (tests/real/truth.py).  Behaviour is selected on the kernel command
# line: vmscope.panic=1 crashes the kernel (sysrq c) after the report.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp

# qemu_fw_cfg (and its dependencies, listed in load order) makes the kernel
# publish its VMCOREINFO note address to QEMU's vmcoreinfo device.
for m in $(cat /lib/modules.order 2>/dev/null); do
	insmod "/lib/$m" || echo "@@VMSCOPE-WARN insmod $m failed"
done
sleep 1
# Keep kernel messages from interleaving with the report (panic output is
# KERN_EMERG and still reaches the console).
echo 1 >/proc/sys/kernel/printk
echo 0 >/proc/sys/kernel/kptr_restrict

sec() { echo "@@VMSCOPE-BEGIN $1"; }
end() { echo "@@VMSCOPE-END $1"; }

# A recognisable process and a recognisable page-cache page, for later tests.
echo "VMSCOPE-MARKER-PAGECACHE-0123456789abcdef" >/tmp/vmscope-marker
sleep 100000 &

sec uname; uname -a; end uname
sec version; cat /proc/version; end version
sec cmdline; cat /proc/cmdline; end cmdline
sec kallsyms
grep -E ' (page_offset_base|vmalloc_base|vmemmap_base|phys_base|init_top_pgt|swapper_pg_dir|_stext|_text|_etext|_end|_sdata|_edata|memstart_addr|kimage_voffset|kimage_vaddr|vabits_actual|init_task|linux_banner|init_mm|__pgtable_l5_enabled|pgdir_shift|ptrs_per_p4d|mem_section|vmcoreinfo_note|vmcoreinfo_data|node_data|contig_page_data|prb|printk_rb_static|log_buf|crashk_res|idmap_pg_dir|kimage_vaddr|init_uts_ns|jiffies|jiffies_64|high_memory|max_pfn|per_cpu_offset|__per_cpu_offset|runqueues|modules)$' /proc/kallsyms
end kallsyms
sec iomem; cat /proc/iomem; end iomem
sec meminfo; cat /proc/meminfo; end meminfo
sec cpuinfo; cat /proc/cpuinfo; end cpuinfo
sec pagesize; grep -m1 KernelPageSize /proc/self/smaps; end pagesize
sec vmcoreinfo_sysfs; cat /sys/kernel/vmcoreinfo 2>&1; end vmcoreinfo_sysfs
sec modules; cat /proc/modules; end modules
sec ps; ps -o pid,ppid,comm,args; end ps
sec kcore_head
head -c 65536 /proc/kcore | hexdump -v -e '32/1 "%02x" "\n"'
end kcore_head
# /proc/kpageflags of the first pages of kernel code (PFN from /proc/iomem).
sec kpageflags
ps_kb=$(grep -m1 KernelPageSize /proc/self/smaps | awk '{print $2}')
kc=$(grep -m1 'Kernel code' /proc/iomem | sed 's/^ *//; s/-.*//')
if [ -n "$kc" ] && [ -n "$ps_kb" ]; then
	pfn=$(( 0x$kc / (ps_kb * 1024) ))
	echo "pfn $pfn"
	dd if=/proc/kpageflags bs=8 skip=$pfn count=4 2>/dev/null | od -A n -v -t x8
fi
end kpageflags
sec dmesg; dmesg; end dmesg

# KASAN bench (tests/real/make-kasan-dumps.sh): one KASAN report, provoked
# through LKDTM, lands on the console between markers; the kernel goes on.
if grep -q 'vmscope.kasan=' /proc/cmdline; then
	kt=$(sed -n 's/.*vmscope\.kasan=\([A-Z_]*\).*/\1/p' /proc/cmdline)
	mount -t debugfs debugfs /sys/kernel/debug
	sec kasan_kallsyms
	grep -E ' (kasan_early_shadow_page|__asan_load8|__hwasan_load8_noabort|kasan_flag_enabled|_stext|_text)$' /proc/kallsyms
	end kasan_kallsyms
	sec kasan
	echo 7 >/proc/sys/kernel/printk
	echo "$kt" >/sys/kernel/debug/provoke-crash/DIRECT
	echo 1 >/proc/sys/kernel/printk
	end kasan
fi

if grep -q 'vmscope.panic=1' /proc/cmdline; then
	echo "@@VMSCOPE-PANICKING"
	echo 7 >/proc/sys/kernel/printk
	echo 1 >/proc/sys/kernel/sysrq
	echo c >/proc/sysrq-trigger
fi
echo "@@VMSCOPE-READY"
while :; do sleep 3600; done
