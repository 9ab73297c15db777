#!/usr/bin/env bash
# VMBus ring throughput over a loopback partition (bundles/loopback, bundles/vmbus-client): the Java guest on
# its VP thread writes packets into a channel's ring, the real VMBus server's channel worker reads them for a
# sink device; every signal crosses the hypervisor core (HvSignalEvent, SIEFP flags, the SINT interrupt).
# Measured in the same run: the plain memory copies a ring transfer makes (heap -> guest RAM -> new array).
# Writes the "vmbus-ring" section of bench/results.md (the rest of the file is kept).
# Usage: bench/vmbus-ring.sh [--seconds S] [--rounds R]
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
source bench/lib.sh
SECONDS_EACH=2
ROUNDS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_EACH=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    *) echo "usage: bench/vmbus-ring.sh [--seconds S] [--rounds R]" >&2; exit 2 ;;
  esac
done

OUT=bench/target/vmbus-ring
mkdir -p "$OUT"
if [ ! -d bundles/vmbus-client/target/test-classes/dev/celadon/vmbus/client ]; then
  echo "bench: building the loopback backend and the VMBus client (and what they need)" >&2
  mvn -B -q -o install -DskipTests -pl bundles/vmbus-client -am
  mvn -B -q -o -f bundles/vmbus-client/pom.xml test-compile
fi
# The client's test classpath (the bench class lives with its tests' fixture), as bench_classpath does it.
CP=$(mvn -o -q -f bundles/vmbus-client/pom.xml org.codehaus.mojo:exec-maven-plugin:exec -Dexec.executable=echo \
  -Dexec.classpathScope=test -Dexec.args="%classpath" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' \
  | grep 'target/classes' | tail -n 1)
[ -n "$CP" ] || { echo "bench: cannot resolve bundles/vmbus-client's test classpath" >&2; exit 1; }

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: $ROUNDS rounds of ${SECONDS_EACH}s each (load average before: $LOAD0)" >&2
# A fixed, pre-touched heap: with a growing heap, page faults from heap resizing dominated (sys time was half
# the run and the copies varied 30-fold).
JVM_OPTS="-Xms1g -Xmx1g -XX:+AlwaysPreTouch"
secs=$(run_limited 900 "$OUT/run.txt" java $JVM_OPTS -cp "$CP" dev.celadon.vmbus.client.LoopbackRingBench "$SECONDS_EACH" "$ROUNDS") \
  || { echo "bench: the run failed, see $OUT/run.txt" >&2; tail -n 20 "$OUT/run.txt" >&2; exit 1; }
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
JAVA=$(sed -n 's/^java \([^,]*\),.*$/\1/p' "$OUT/run.txt" | head -n 1)

field() { sed -n "s/^result name=$1 .*$2=\([0-9.]*\).*/\1/p" "$OUT/run.txt"; }
row() { # name label unit-field scale format
  field "$1" "$3" > "$OUT/$1.txt"
  read -r m lo hi < <(stats "$OUT/$1.txt")
  awk -v l="$2" -v m="$m" -v lo="$lo" -v hi="$hi" -v f="$4" 'BEGIN {
    printf "| %s | " f " | " f " | " f " |\n", l, m, lo, hi }'
}
median() { field "$1" "$2" > "$OUT/m.txt"; stats "$OUT/m.txt" | cut -d' ' -f1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

{
  echo "## VMBus rings over a loopback partition"
  echo
  echo "\`bench/vmbus-ring.sh --seconds $SECONDS_EACH --rounds $ROUNDS\` ($(date -u +%Y-%m-%d), java $JAVA \`$JVM_OPTS\`, $(nproc) CPUs,"
  echo "load average $LOAD0 before, $LOAD1 after; the machine is shared). The Java VMBus guest"
  echo "(\`bundles/vmbus-client\`) on a loopback VP writes packets into a channel's guest-to-host ring (1 MiB of"
  echo "data); the real VMBus server's channel worker reads them for a sink device. Signals are real: HvSignalEvent"
  echo "hypercalls through the core's dispatcher toward the host, SIEFP flags and the SINT vector on the loopback"
  echo "APIC toward the guest, and on a full ring pending_send_sz. Timed from the first write until the sink has"
  echo "counted every packet. Ping-pong: one 64-byte packet, then its echo, through a 64 KiB ring each way."
  echo "Copy: the two copies a ring transfer makes (a heap array into guest RAM, then into a new array), without"
  echo "the ring, in the same JVM. Median, min and max of $ROUNDS rounds (a warm-up round first, not counted)."
  echo
  echo "| path | median | min | max |"
  echo "|---|---|---|---|"
  row loopback_64B "loopback ring, 64-byte packets (packets/s)" packets_per_sec "%.0f"
  row copy_64B "plain copy in + out, 64 bytes (copies/s)" packets_per_sec "%.0f"
  row loopback_64KiB "loopback ring, 64 KiB packets (GB/s)" gb_per_sec "%.2f"
  row copy_64KiB "plain copy in + out, 64 KiB (GB/s)" gb_per_sec "%.2f"
  row loopback_pingpong_64B "ping-pong through the echo device, 64 bytes (round trips/s)" packets_per_sec "%.0f"
  echo
  echo "Ring vs plain copy (medians): 64-byte packets $(ratio "$(median loopback_64B packets_per_sec)" "$(median copy_64B packets_per_sec)"),"
  echo "64 KiB $(ratio "$(median loopback_64KiB gb_per_sec)" "$(median copy_64KiB gb_per_sec)"). Whole run ${secs%.*} s."
} > "$OUT/section.md"
replace_section bench/results.md vmbus-ring "$OUT/section.md"
cat "$OUT/section.md"
