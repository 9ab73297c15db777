#!/usr/bin/env bash
# CPU-bound speed on the cpubench micro-guest (bundles/guest-micro), the same workload everywhere:
#   native    the workload as a Linux process: cpubench_host.c (gcc -O2) linked with the guest's own
#             cpubench_work.o, so it executes the same workload instructions;
#   QEMU TCG  qemu-system-x86_64 -accel tcg -M microvm -kernel cpubench.elf -append iters=N;
#   emulator  Celadon's emulator backend (dev.celadon.emulator.internal.EmulatorBackend) through
#             bench/src/main/java/dev/celadon/bench/MicroGuestRun.java, once that bundle is built, on both
#             execution tiers: the interpreter (-Dceladon.emulator.tier=interpreter) and the translator
#             (hot blocks as JVM bytecode, -Dceladon.emulator.tier=translator);
# then port-write exits per second of the bench guest on QEMU TCG and the emulator.
# Rounds are interleaved (native, QEMU, emulator, then again). Each peer runs iters=N and iters=N/10; the rate
# (N - N/10 iterations' instructions over the time difference) cancels start-up and shutdown.
# Instructions are counted once, in the guest under QEMU -icount shift=0 (its TSC then counts instructions;
# each REP iteration counts once); --ptrace-check also counts the native program by ptrace single-step
# (bench/insn-count.c, about 40 s) and compares.
# Writes the "cpu" section of bench/results.md.
# Usage: bench/cpu.sh [--iters N] [--rounds R] [--exits N] [--timeout S] [--ptrace-check]
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
source bench/lib.sh
ITERS=2000
ROUNDS=5
EXITS=10000000
TIMEOUT=300
PTRACE=0
ARGS="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --iters) ITERS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --exits) EXITS=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --ptrace-check) PTRACE=1; shift ;;
    *) echo "usage: bench/cpu.sh [--iters N] [--rounds R] [--exits N] [--timeout S] [--ptrace-check]" >&2; exit 2 ;;
  esac
done
SMALL=$((ITERS / 10))
SMALL_EXITS=$((EXITS / 10))
[ "$SMALL" -ge 1 ] || { echo "cpu.sh: --iters must be at least 10" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "cpu.sh: qemu-system-x86_64 is missing (scripts/prerequisites.sh installs it)" >&2; exit 1; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
OUT=bench/target/cpu
mkdir -p "$OUT"
# The guests and the native peer, from guest-micro's sources and Makefile (the same flags as its Maven build).
make -s -C bundles/guest-micro/src/main/c OUT="$PWD/$OUT" OBJ="$PWD/$OUT/obj" \
  "$PWD/$OUT/cpubench.elf" "$PWD/$OUT/bench.elf" "$PWD/$OUT/obj/cpubench-native"
ELF=$OUT/cpubench.elf
BENCH_ELF=$OUT/bench.elf
NATIVE=$OUT/obj/cpubench-native

QEMU_M=(-M microvm,x-option-roms=off,rtc=off -m 64 -nodefaults -no-user-config -nographic -serial stdio
        -monitor none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4)
checksum() { sed -n 's/.*CELADON-CPUBENCH checksum=\(0x[0-9a-f]*\).*/\1/p' "$1" | tail -n 1; }

# ---- instruction counts: the guest under -icount shift=0, where its TSC delta is the instruction count
icount() {
  run_limited "$TIMEOUT" "$OUT/icount-$1.txt" qemu-system-x86_64 -accel tcg -icount shift=0 "${QEMU_M[@]}" \
    -kernel "$ELF" -append "iters=$1" >/dev/null || [ $? -eq 1 ]   # isa-debug-exit: status 1
  sed -n 's/.*tsc_delta=\([0-9]*\).*/\1/p' "$OUT/icount-$1.txt"
}
INS_N=$(icount "$ITERS")
INS_S=$(icount "$SMALL")
[ -n "$INS_N" ] && [ -n "$INS_S" ] || { echo "cpu.sh: no instruction count from QEMU -icount" >&2; cat "$OUT/icount-$ITERS.txt" >&2; exit 1; }
INS_DIFF=$((INS_N - INS_S))
echo "cpu.sh: guest instructions: iters=$ITERS $INS_N, iters=$SMALL $INS_S (QEMU -icount shift=0)" >&2

run_limited "$TIMEOUT" "$OUT/native-ref.txt" "$NATIVE" "iters=$ITERS" >/dev/null
EXPECT=$(checksum "$OUT/native-ref.txt")
EXPECT_S=$(run_limited "$TIMEOUT" "$OUT/native-ref-s.txt" "$NATIVE" "iters=$SMALL" >/dev/null; checksum "$OUT/native-ref-s.txt")
[ "$(checksum "$OUT/icount-$ITERS.txt")" = "$EXPECT" ] || { echo "cpu.sh: QEMU's checksum differs from native $EXPECT" >&2; exit 1; }

PTRACE_NOTE=""
if [ "$PTRACE" = 1 ]; then
  gcc -O2 -Wall -o "$OUT/insn-count" bench/insn-count.c
  ic() { "$OUT/insn-count" "$NATIVE" "iters=$1" 2>&1 >/dev/null | sed -n 's/^instructions=//p'; }
  echo "cpu.sh: counting the native program by ptrace single-step (iters=1 and 0, ~40 s)" >&2
  P1=$(ic 1); P0=$(ic 0)
  G1=$(icount 1)
  PTRACE_NOTE="ptrace single-step of the native program: iters=1 minus iters=0 = $((P1 - P0)) instructions; the guest under -icount: $G1 for iters=1."
  echo "cpu.sh: $PTRACE_NOTE" >&2
fi

# ---- the emulator hook: bench's MicroGuestRun with the emulator bundle on the classpath, when it is built
EMU_JAR=""
for j in bundles/emulator/target/dev.celadon.emulator-*.jar \
         "$HOME"/.m2/repository/dev/celadon/dev.celadon.emulator/*/dev.celadon.emulator-*.jar; do
  [ -f "$j" ] && { EMU_JAR=$j; break; }
done
EMU=0
EMU_WHY="emulator backend not built yet"
if [ -n "$EMU_JAR" ]; then
  [ -d bench/target/classes/dev/celadon/bench ] || mvn -o -q -f bench/pom.xml install -DskipTests
  CP="$(bench_classpath):$EMU_JAR"
  emu_run() { # emu_run OUTFILE GUEST APPEND [TIER]
    run_limited "$TIMEOUT" "$1" java -Dceladon.emulator.tier="${4:-interpreter}" -cp "$CP" dev.celadon.bench.MicroGuestRun \
      --elf "$OUT/$2.elf" --append "$3"
  }
  if emu_run "$OUT/emu-probe.txt" cpubench "iters=1" >/dev/null && emu_run "$OUT/jit-probe.txt" cpubench "iters=1" translator >/dev/null; then
    EMU=1
  else
    EMU_WHY="emulator backend did not run the guest: $(grep -m1 'micro-guest-run:' "$OUT/emu-probe.txt" || tail -n 1 "$OUT/emu-probe.txt")"
  fi
fi
[ "$EMU" = 1 ] || echo "cpu.sh: $EMU_WHY" >&2

# ---- interleaved rounds
for p in native qemu emu jit; do : > "$OUT/$p-time.txt"; : > "$OUT/$p-rate.txt"; : > "$OUT/$p-whole.txt"; done
one() { # one PEER ITERS -> seconds; checks the checksum
  local f="$OUT/run-$1-$2.txt" t want
  want=$([ "$2" = "$ITERS" ] && echo "$EXPECT" || echo "$EXPECT_S")
  case $1 in
    native) t=$(run_limited "$TIMEOUT" "$f" "$NATIVE" "iters=$2") ;;
    qemu) t=$(run_limited "$TIMEOUT" "$f" qemu-system-x86_64 -accel tcg "${QEMU_M[@]}" -kernel "$ELF" -append "iters=$2") || [ $? -eq 1 ] ;;
    emu) t=$(emu_run "$f" cpubench "iters=$2") ;;
    jit) t=$(emu_run "$f" cpubench "iters=$2" translator) ;;
  esac
  [ "$(checksum "$f")" = "$want" ] || { echo "cpu.sh: $1 iters=$2 gave checksum '$(checksum "$f")', expected $want" >&2; cat "$f" >&2; exit 1; }
  echo "$t"
}
for r in $(seq "$ROUNDS"); do
  for p in native qemu emu jit; do
    [ "$p" != native ] && [ "$p" != qemu ] && [ "$EMU" = 0 ] && continue
    tn=$(one "$p" "$ITERS")
    ts=$(one "$p" "$SMALL")
    echo "$tn" >> "$OUT/$p-time.txt"
    awk -v i="$INS_DIFF" -v a="$tn" -v b="$ts" 'BEGIN { printf "%.6g\n", (a > b) ? i / (a - b) / 1e6 : 0 }' >> "$OUT/$p-rate.txt"
    awk -v i="$INS_N" -v a="$tn" 'BEGIN { printf "%.6g\n", i / a / 1e6 }' >> "$OUT/$p-whole.txt"
    echo "cpu.sh: round $r $p: iters=$ITERS ${tn}s, iters=$SMALL ${ts}s" >&2
  done
done

# ---- port-write exits/s: the bench guest, count=N and N/10, on QEMU TCG and the emulator
for p in qemu emu jit; do : > "$OUT/$p-exits.txt"; : > "$OUT/$p-exits-inside.txt"; done
exits_run() { # exits_run PEER COUNT -> seconds. The guest writes 0xF4 before its "done" line, and both peers
  # end there: QEMU with status 1, MicroGuestRun with 0 (end=poweroff).
  local f="$OUT/exits-$1-$2.txt" t rc=0
  case $1 in
    qemu) t=$(run_limited "$TIMEOUT" "$f" qemu-system-x86_64 -accel tcg "${QEMU_M[@]}" -kernel "$BENCH_ELF" \
                -append "count=$2 port=0x510") || rc=$?
          [ "$rc" -eq 1 ] || rc=99 ;;
    emu) t=$(emu_run "$f" bench "count=$2 port=0x510") || rc=99 ;;
    jit) t=$(emu_run "$f" bench "count=$2 port=0x510" translator) || rc=99 ;;
  esac
  [ "$rc" != 99 ] && grep -q "CELADON-BENCH count=$2 " "$f" || { echo "cpu.sh: $1 bench count=$2 did not end at port 0xF4" >&2; cat "$f" >&2; exit 1; }
  echo "$t"
}
for r in $(seq "$ROUNDS"); do
  for p in qemu emu jit; do
    [ "$p" != qemu ] && [ "$EMU" = 0 ] && continue
    tn=$(exits_run "$p" "$EXITS")
    ts=$(exits_run "$p" "$SMALL_EXITS")
    awk -v n="$((EXITS - SMALL_EXITS))" -v a="$tn" -v b="$ts" 'BEGIN { printf "%.0f\n", (a > b) ? n / (a - b) : 0 }' >> "$OUT/$p-exits.txt"
    [ "$p" != qemu ] && sed -n 's/.*exits_per_sec=\([0-9.]*\).*/\1/p' "$OUT/exits-$p-$EXITS.txt" >> "$OUT/$p-exits-inside.txt"
    echo "cpu.sh: round $r $p: bench count=$EXITS ${tn}s, count=$SMALL_EXITS ${ts}s" >&2
  done
done

# ---- the table
read -r NT NTMIN NTMAX < <(stats "$OUT/native-time.txt")
read -r NR NRMIN NRMAX < <(stats "$OUT/native-rate.txt")
read -r NW _ _ < <(stats "$OUT/native-whole.txt")
read -r QT QTMIN QTMAX < <(stats "$OUT/qemu-time.txt")
read -r QR QRMIN QRMAX < <(stats "$OUT/qemu-rate.txt")
read -r QW _ _ < <(stats "$OUT/qemu-whole.txt")
read -r QX QXMIN QXMAX < <(stats "$OUT/qemu-exits.txt")
f3() { awk -v a="$1" 'BEGIN { if (a == "-") print "-"; else printf "%.3f", a }'; }
f0() { awk -v a="$1" 'BEGIN { if (a == "-") print "-"; else printf "%.0f", a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.3g", a / b }'; }
overlap() { awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { if (a == "-" || c == "-") print "-"; else print (a <= d && c <= b) ? "overlap" : "disjoint" }'; }
QV=$(qemu-system-x86_64 --version | head -1 | awk '{print $4}')
{
  echo "## CPU-bound speed and port-write exits without KVM: native, QEMU TCG, Celadon's emulator"
  echo
  echo "The cpubench micro-guest (\`bundles/guest-micro\`): integer arithmetic, hashing, byte loops and REP"
  echo "MOVS/STOS, a sort and searches, recursion; iters=$ITERS is $INS_N guest instructions, iters=$SMALL is $INS_S"
  echo "(counted in the guest under QEMU \`-icount shift=0\`, where the TSC counts instructions; each REP"
  echo "iteration counts once). The native peer is the same workload object linked into a Linux program."
  echo "MIPS = ($INS_N - $INS_S) instructions / (t(iters=$ITERS) - t(iters=$SMALL)), per round, so start-up"
  echo "and shutdown cancel out; \"whole run\" is $INS_N / t(iters=$ITERS). $ROUNDS interleaved rounds;"
  echo "every run's checksum is checked against the native one ($EXPECT)."
  echo
  echo "| peer | median s (iters=$ITERS) | min s | max s | median MIPS | min | max | whole-run MIPS |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  echo "| native (gcc -O2, Linux process) | $(f3 "$NT") | $(f3 "$NTMIN") | $(f3 "$NTMAX") | $(f0 "$NR") | $(f0 "$NRMIN") | $(f0 "$NRMAX") | $(f0 "$NW") |"
  echo "| QEMU $QV TCG, microvm | $(f3 "$QT") | $(f3 "$QTMIN") | $(f3 "$QTMAX") | $(f0 "$QR") | $(f0 "$QRMIN") | $(f0 "$QRMAX") | $(f0 "$QW") |"
  if [ "$EMU" = 1 ]; then
    read -r ET ETMIN ETMAX < <(stats "$OUT/emu-time.txt")
    read -r ER ERMIN ERMAX < <(stats "$OUT/emu-rate.txt")
    read -r EW _ _ < <(stats "$OUT/emu-whole.txt")
    echo "| Celadon emulator, interpreter (MicroGuestRun, JVM start included) | $(f3 "$ET") | $(f3 "$ETMIN") | $(f3 "$ETMAX") | $(f0 "$ER") | $(f0 "$ERMIN") | $(f0 "$ERMAX") | $(f0 "$EW") |"
    read -r JT JTMIN JTMAX < <(stats "$OUT/jit-time.txt")
    read -r JR JRMIN JRMAX < <(stats "$OUT/jit-rate.txt")
    read -r JW _ _ < <(stats "$OUT/jit-whole.txt")
    echo "| Celadon emulator, translator (MicroGuestRun, JVM start included) | $(f3 "$JT") | $(f3 "$JTMIN") | $(f3 "$JTMAX") | $(f0 "$JR") | $(f0 "$JRMIN") | $(f0 "$JRMAX") | $(f0 "$JW") |"
  else
    echo "| Celadon emulator | $EMU_WHY | | | | | | |"
  fi
  echo
  echo "Ratios of median MIPS (and whether the min-max ranges overlap):"
  echo
  echo "- QEMU/native: $(ratio "$QR" "$NR") ($(overlap "$QRMIN" "$QRMAX" "$NRMIN" "$NRMAX"))"
  if [ "$EMU" = 1 ]; then
    echo "- emulator/native: $(ratio "$ER" "$NR") ($(overlap "$ERMIN" "$ERMAX" "$NRMIN" "$NRMAX"))"
    echo "- emulator/QEMU: $(ratio "$ER" "$QR") ($(overlap "$ERMIN" "$ERMAX" "$QRMIN" "$QRMAX"))"
    echo "- translator/native: $(ratio "$JR" "$NR") ($(overlap "$JRMIN" "$JRMAX" "$NRMIN" "$NRMAX"))"
    echo "- translator/QEMU: $(ratio "$JR" "$QR") ($(overlap "$JRMIN" "$JRMAX" "$QRMIN" "$QRMAX"))"
    echo "- translator/interpreter: $(ratio "$JR" "$ER") ($(overlap "$JRMIN" "$JRMAX" "$ERMIN" "$ERMAX"))"
  else
    echo "- emulator/native, emulator/QEMU: $EMU_WHY"
  fi
  [ -n "$PTRACE_NOTE" ] && { echo; echo "Instruction count cross-check: $PTRACE_NOTE"; }
  echo
  echo "Port-write exits per second, the bench micro-guest: \`out\` to port 0x510 (QEMU's fw_cfg selector on microvm;"
  echo "under TCG a port write is a call into the device model, not a VM exit)."
  echo "($EXITS - $SMALL_EXITS) / (t(count=$EXITS) - t(count=$SMALL_EXITS)) over whole runs, $ROUNDS rounds."
  echo
  echo "| peer | median exits/s | min | max |"
  echo "|---|---:|---:|---:|"
  echo "| QEMU $QV TCG, microvm | $(f0 "$QX") | $(f0 "$QXMIN") | $(f0 "$QXMAX") |"
  if [ "$EMU" = 1 ]; then
    read -r EX EXMIN EXMAX < <(stats "$OUT/emu-exits.txt")
    read -r EI _ _ < <(stats "$OUT/emu-exits-inside.txt")
    read -r JX JXMIN JXMAX < <(stats "$OUT/jit-exits.txt")
    read -r JI _ _ < <(stats "$OUT/jit-exits-inside.txt")
    echo "| Celadon emulator, interpreter | $(f0 "$EX") | $(f0 "$EXMIN") | $(f0 "$EXMAX") |"
    echo "| Celadon emulator, translator | $(f0 "$JX") | $(f0 "$JXMIN") | $(f0 "$JXMAX") |"
    echo
    echo "Emulator/QEMU (median): interpreter $(ratio "$EX" "$QX"), translator $(ratio "$JX" "$QX"); the emulator's own"
    echo "first-to-last-write rate: interpreter $(f0 "$EI"), translator $(f0 "$JI") exits/s."
  else
    echo "| Celadon emulator | $EMU_WHY | | |"
  fi
  echo
  echo "Host: $(uname -r), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)),"
  echo "$([ -e /dev/kvm ] && echo "/dev/kvm present" || echo "no /dev/kvm"), load average before: $LOAD_BEFORE, $(date -u +%Y-%m-%d)."
  echo "Command: \`bench/cpu.sh${ARGS:+ $ARGS}\`"
} > "$OUT/section.md"
replace_section bench/results.md cpu "$OUT/section.md"
cat "$OUT/section.md"
