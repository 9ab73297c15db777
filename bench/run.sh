#!/usr/bin/env bash
# Port-write exits per second on the same bench micro-guest and the same /dev/kvm, handled by
#   - Celadon (Java: KVM backend over JNA, hypervisor core intercept routing, a port handler),
#   - QEMU/KVM (Debian qemu-system-x86, -M microvm -kernel with the same ELF),
#   - a minimal C loop (bench/kvm-loop.c: KVM_RUN and a switch, nothing else).
# Writes bench/results.md. Usage: bench/run.sh [--count N] [--runs R]
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=200000
RUNS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    *) echo "usage: bench/run.sh [--count N] [--runs R]" >&2; exit 2 ;;
  esac
done
[ -e /dev/kvm ] || { echo "bench: /dev/kvm is missing; nothing to measure" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { apt-get update -qq && apt-get install -y -qq qemu-system-x86 >/dev/null; }

OUT=bench/target
mkdir -p "$OUT"
ELF=bundles/guest-micro/target/classes/dev/celadon/guest/micro/images/bench.elf
if [ ! -f "$ELF" ] || [ ! -f bench/target/dev.celadon.bench-0.1.0-SNAPSHOT.jar ]; then
  echo "bench: building Celadon (mvn install -DskipTests)" >&2
  mvn -B -q install -DskipTests
fi
gcc -O2 -o "$OUT/kvm-loop" bench/kvm-loop.c
mvn -B -q -f bench/pom.xml dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/classpath.txt" >/dev/null
CP="bench/target/classes:$(cat "$OUT/classpath.txt")"

rate() { sed -n 's/.*exits_per_sec=\([0-9.]*\).*/\1/p' | tail -n 1; }

echo "bench: Celadon, $RUNS runs of $COUNT port writes" >&2
java -cp "$CP" dev.celadon.bench.PortWriteBench --count "$COUNT" --runs "$RUNS" --elf "$ELF" 2>&1 \
  | grep '^port_writes=' | sed -n 's/.*exits_per_sec=\([0-9.]*\).*/\1/p' > "$OUT/celadon.txt"

echo "bench: minimal C loop, $RUNS runs" >&2
: > "$OUT/c.txt"
for _ in $(seq "$RUNS"); do
  "$OUT/kvm-loop" --quiet --cmdline "count=$COUNT port=0x510" "$ELF" 2>&1 >/dev/null | rate >> "$OUT/c.txt"
done

# QEMU cannot be instrumented from outside, so its rate comes from the difference of two runs that differ
# only in the number of writes: start-up and shutdown cancel out.
echo "bench: QEMU/KVM microvm, $RUNS pairs of runs" >&2
qemu_run() {
  local start end
  start=$(date +%s.%N)
  timeout 600 qemu-system-x86_64 -M microvm,x-option-roms=off,rtc=off,pit=off,pic=off -enable-kvm -cpu host -m 64 \
    -nodefaults -no-user-config -nographic -serial none -monitor none \
    -device isa-debug-exit,iobase=0xf4,iosize=4 \
    -kernel "$ELF" -append "count=$1 port=0x510" >/dev/null 2>&1 || true  # isa-debug-exit ends with status 1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }'
}
: > "$OUT/qemu.txt"
SMALL=$((COUNT / 10))
for _ in $(seq "$RUNS"); do
  t1=$(qemu_run "$SMALL")
  t2=$(qemu_run "$COUNT")
  awk -v n="$((COUNT - SMALL))" -v a="$t1" -v b="$t2" 'BEGIN { printf "%.0f\n", n / (b - a) }' >> "$OUT/qemu.txt"
done

stats() { sort -n "$1" | awk '{v[NR]=$1} END {m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.0f %.0f %.0f\n", m, v[1], v[NR]}'; }
read -r CM CMIN CMAX < <(stats "$OUT/celadon.txt")
read -r QM QMIN QMAX < <(stats "$OUT/qemu.txt")
read -r LM LMIN LMAX < <(stats "$OUT/c.txt")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

NESTING="hardware-assisted"
[ -d /sys/module/kvm_pvm ] && NESTING="software-nested (kvm_pvm)"
{
  echo "# Port-write exits per second"
  echo
  echo "Each peer runs the same bench micro-guest (\`bundles/guest-micro\`, \`bench.elf\`): $COUNT \`out\` instructions"
  echo "to port 0x510, each a KVM_EXIT_IO handled in user space, on the same /dev/kvm. Celadon and the C loop"
  echo "time the first to the last write; QEMU's rate is (N - N/10) / (t(N) - t(N/10)) over whole runs."
  echo "$RUNS runs each. Higher is better; ratios are against the minimal C loop."
  echo
  echo "| peer | median exits/s | min | max | median vs C loop |"
  echo "|---|---:|---:|---:|---:|"
  echo "| minimal C loop (bench/kvm-loop.c) | $LM | $LMIN | $LMAX | 1.00 |"
  echo "| Celadon (Java, JNA) | $CM | $CMIN | $CMAX | $(ratio "$CM" "$LM") |"
  echo "| QEMU/KVM $(qemu-system-x86_64 --version | head -1 | awk '{print $4}') microvm | $QM | $QMIN | $QMAX | $(ratio "$QM" "$LM") |"
  echo
  echo "Celadon vs QEMU (median): $(ratio "$CM" "$QM")"
  echo
  echo "Host: $(uname -r), KVM $NESTING, $(nproc) CPUs, $(date -u +%Y-%m-%d)."
  echo "Command: \`bench/run.sh --count $COUNT --runs $RUNS\`"
} > bench/results.md
cat bench/results.md
