#!/usr/bin/env bash
# Port-write exits per second on the same bench micro-guest and the same /dev/kvm, handled by
#   - Celadon (Java: KVM backend over JNA, hypervisor core intercept routing, a port handler),
#   - QEMU/KVM (Debian qemu-system-x86, -M microvm -kernel with the same ELF),
#   - a minimal C loop (bench/kvm-loop.c: KVM_RUN and a switch, nothing else).
# Writes the "kvm-port-writes" section of bench/results.md (bench/cpu.sh writes the CPU-bound one).
# Without /dev/kvm there is nothing to measure: it says so and exits 0, leaving the last results as they are.
# Usage: bench/run.sh [--count N] [--runs R]
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
source bench/lib.sh
COUNT=200000
RUNS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    *) echo "usage: bench/run.sh [--count N] [--runs R]" >&2; exit 2 ;;
  esac
done
[ -e /dev/kvm ] || { echo "bench: skipped: /dev/kvm is missing, so there is no KVM to measure (bench/cpu.sh needs none)" >&2; exit 0; }
command -v qemu-system-x86_64 >/dev/null || { apt-get update -qq && apt-get install -y -qq qemu-system-x86 >/dev/null; }

OUT=bench/target
mkdir -p "$OUT"
ELF=bundles/guest-micro/target/classes/dev/celadon/guest/micro/images/bench.elf
if [ ! -f "$ELF" ] || [ ! -f bench/target/dev.celadon.bench-0.1.0-SNAPSHOT.jar ]; then
  echo "bench: building Celadon (mvn install -DskipTests)" >&2
  mvn -B -q install -DskipTests
fi
gcc -O2 -o "$OUT/kvm-loop" bench/kvm-loop.c
CP=$(bench_classpath)

rate() { sed -n 's/.*exits_per_sec=\([0-9.]*\).*/\1/p' | tail -n 1; }

echo "bench: Celadon, $RUNS runs of $COUNT port writes" >&2
java -cp "$CP" dev.celadon.bench.PortWriteBench --count "$COUNT" --runs "$RUNS" --elf "$ELF" 2>&1 \
  | grep '^port_writes=' | sed -n 's/.*exits_per_sec=\([0-9.]*\).*/\1/p' > "$OUT/celadon.txt"

echo "bench: minimal C loop, $RUNS runs" >&2
: > "$OUT/c.txt"
for _ in $(seq "$RUNS"); do
  "$OUT/kvm-loop" --quiet --cmdline "count=$COUNT port=0x510" "$ELF" 2>&1 >/dev/null </dev/null | rate >> "$OUT/c.txt"
done

# QEMU cannot be instrumented from outside, so its rate comes from the difference of two runs that differ
# only in the number of writes: start-up and shutdown cancel out.
echo "bench: QEMU/KVM microvm, $RUNS pairs of runs" >&2
qemu_run() { # seconds for one whole run; stdin /dev/null, killed by its PID after 600 s (bench/lib.sh)
  run_limited 600 "$OUT/qemu-run.txt" qemu-system-x86_64 -M microvm,x-option-roms=off,rtc=off,pit=off,pic=off \
    -enable-kvm -cpu host -m 64 -nodefaults -no-user-config -nographic -serial none -monitor none \
    -device isa-debug-exit,iobase=0xf4,iosize=4 \
    -kernel "$ELF" -append "count=$1 port=0x510" || [ $? -eq 1 ]  # isa-debug-exit ends with status 1
}
: > "$OUT/qemu.txt"
SMALL=$((COUNT / 10))
for _ in $(seq "$RUNS"); do
  t1=$(qemu_run "$SMALL")
  t2=$(qemu_run "$COUNT")
  awk -v n="$((COUNT - SMALL))" -v a="$t1" -v b="$t2" 'BEGIN { printf "%.0f\n", n / (b - a) }' >> "$OUT/qemu.txt"
done

int3() { for v in "$@"; do printf '%.0f ' "$v"; done; echo; }
read -r CM CMIN CMAX < <(int3 $(stats "$OUT/celadon.txt"))
read -r QM QMIN QMAX < <(int3 $(stats "$OUT/qemu.txt"))
read -r LM LMIN LMAX < <(int3 $(stats "$OUT/c.txt"))
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

NESTING="hardware-assisted"
[ -d /sys/module/kvm_pvm ] && NESTING="software-nested (kvm_pvm)"
{
  echo "## Port-write exits per second on KVM"
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
} > "$OUT/section.md"
replace_section bench/results.md kvm-port-writes "$OUT/section.md"
cat "$OUT/section.md"
