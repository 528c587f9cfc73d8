#!/bin/sh
# Records the real kernel traces of tests/data/ by booting Debian's own kernels
# under QEMU (software emulation, -icount for instruction-counted guest time).
#
#   tests/data/record.sh [KERNEL_RELEASE ...]   (default: every 6.12 amd64 and rt-amd64 in /boot)
#
# Needs: qemu-system-x86, busybox-static, trace-cmd, rt-tests (cyclictest),
# gcc with a static libc, linux-image-*-amd64 / -rt-amd64.  For each kernel it
# writes, next to this script:
#   KERNEL.trace.dat.gz  `trace-cmd record` run inside the guest (trace-cmd and
#                        cyclictest copied into the initrd with their shared
#                        libraries), the file carried out over a second serial
#                        port as base64;
#   KERNEL.trace.txt.gz  the same workload again with tracefs driven by hand
#                        (events enabled through set_event), then the
#                        `trace` file read.
# The guest workload: cyclictest -p 80 -i 1000 (SCHED_FIFO 80, 1 ms period)
# and load (SCHED_OTHER, read() of 256 KiB from /dev/zero in a loop), on a
# 1-CPU guest, for about 0.5 s of guest time. One CPU because with -icount
# QEMU runs the vCPUs in turn on one virtual clock: with two, the time a vCPU
# waits for its turn shows up inside whatever it was doing (4 ms timer
# handlers on an idle CPU in a first, 2-CPU recording).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

kernels="$*"
if [ -z "$kernels" ]; then
  kernels=$(cd /boot && ls vmlinuz-6.12.*-amd64 | sed 's/^vmlinuz-//')
fi

# The events the importer uses; those the kernel lacks are left out (trace-cmd
# refuses unknown events), and the importer warns about each one.
EVENTS="sched:sched_switch sched:sched_waking sched:sched_wakeup sched:sched_wakeup_new
sched:sched_migrate_task sched:sched_process_fork sched:sched_process_exit
irq:irq_handler_entry irq:irq_handler_exit irq:softirq_raise irq:softirq_entry irq:softirq_exit
irq_vectors:local_timer_entry irq_vectors:local_timer_exit irq_vectors:reschedule_entry
irq_vectors:reschedule_exit irq_vectors:call_function_entry irq_vectors:call_function_exit
irq_vectors:call_function_single_entry irq_vectors:call_function_single_exit
timer:hrtimer_start timer:hrtimer_expire_entry timer:hrtimer_expire_exit
raw_syscalls:sys_enter raw_syscalls:sys_exit
preemptirq:preempt_disable preemptirq:preempt_enable preemptirq:irq_disable preemptirq:irq_enable"

# --- the initrd: busybox, the load, cyclictest and trace-cmd with their libraries
root=$work/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/lib64" "$root/lib/x86_64-linux-gnu"
cp /bin/busybox "$root/bin/busybox"
for a in sh mount cat echo sleep base64 stty taskset poweroff ls grep wc mkdir sync; do ln -s busybox "$root/bin/$a"; done
gcc -O2 -static -o "$root/bin/load" "$here/load.c"
for b in /usr/bin/cyclictest /usr/bin/trace-cmd; do
  cp "$b" "$root/bin/"
  for l in $(ldd "$b" | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do
    cp -L "$l" "$root$l" 2>/dev/null || { mkdir -p "$root$(dirname "$l")"; cp -L "$l" "$root$l"; }
  done
done
printf '%s\n' $EVENTS > "$root/events"
cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mkdir -p /dev/shm && mount -t tmpfs shm /dev/shm
echo "record: guest up"
mount -t tracefs tracefs /sys/kernel/tracing
T=/sys/kernel/tracing
ev=""
for e in $(cat /events); do
  if [ -d "$T/events/${e%%:*}/${e#*:}" ]; then ev="$ev -e $e"; else echo "record: no event $e in this kernel"; fi
done
stty -F /dev/ttyS1 raw
# 1. trace-cmd record, inside the guest
cd /tmp
trace-cmd record -q -b 4096 -o /tmp/trace.dat $ev /bin/workload > /dev/null
echo "=== trace.dat ===" > /dev/ttyS1
base64 /tmp/trace.dat > /dev/ttyS1
echo "=== end ===" > /dev/ttyS1
rm /tmp/trace.dat
# 2. tracefs by hand: set_event, trace
echo 4096 > $T/buffer_size_kb
echo > $T/set_event
for e in $ev; do [ "$e" = -e ] || echo "$e" >> $T/set_event; done
echo > $T/trace
echo 1 > $T/tracing_on
/bin/workload
echo 0 > $T/tracing_on
echo "=== trace ===" > /dev/ttyS1
cat $T/trace | base64 > /dev/ttyS1
echo "=== end ===" > /dev/ttyS1
sync
poweroff -f
INIT
cat > "$root/bin/workload" <<'WL'
#!/bin/sh
taskset 1 /bin/load 0.5 &
cyclictest -p 80 -i 1000 -l 400 -a 0 -t 1 -q -m
wait
WL
chmod +x "$root/init" "$root/bin/workload"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.gz"

for k in $kernels; do
  echo "record.sh: booting $k (software emulation; a few minutes)" >&2
  out=$work/$k.serial
  timeout 900 qemu-system-x86_64 -machine q35 -cpu max -smp 1 -m 512M \
    -icount shift=0,sleep=off -nographic -no-reboot \
    -kernel "/boot/vmlinuz-$k" -initrd "$work/initrd.gz" \
    -append "console=ttyS0 quiet panic=-1 rdinit=/init" \
    -serial mon:stdio -serial "file:$out" > "$work/$k.console" 2>&1 || true
  grep -v '^record:' "$work/$k.console" | tail -5 >&2 || true
  grep '^record:' "$work/$k.console" >&2 || true
  tr -d '\r' < "$out" | sed -n '/^=== trace.dat ===$/,/^=== end ===$/p' | sed '1d;$d' | base64 -d | gzip -9n > "$here/$k.trace.dat.gz"
  tr -d '\r' < "$out" | sed -n '/^=== trace ===$/,/^=== end ===$/p' | sed '1d;$d' | base64 -d | gzip -9n > "$here/$k.trace.txt.gz"
  ls -l "$here/$k.trace.dat.gz" "$here/$k.trace.txt.gz" >&2
done
