#!/usr/bin/env bash
# Hypercall round trip against a null port-I/O exit, in the same run of the same guest: the hvbench micro-guest
# (bundles/guest-micro/src/main/c/hvbench.c) sets GUEST_OS_ID, enables the hypercall page, then times with
# RDTSC, N times each (after N/10 untimed warm-up iterations of each):
#   unknown  a call with a code nobody registered (0x0099) -> HV_STATUS_INVALID_HYPERCALL_CODE, from the router;
#   signal   fast HvSignalEvent to connection 0x7ff nobody registered -> HV_STATUS_INVALID_CONNECTION_ID, after
#            the dispatcher's checks;
#   port     an 8-bit OUT to port 0x511, which nobody claims: one exit each, answered by the router's default.
# Every call's status is checked in the guest (unknown_ok/signal_ok must equal N, or the script stops).
# Peers, through bench/src/main/java/dev/celadon/bench/MicroGuestRun.java (the real hypervisor core, which
# installs the Hyper-V layer): the emulator backend on its interpreter tier and its translator tier
# (-Dceladon.emulator.tier=...), and the KVM backend when /dev/kvm exists (skipped, saying so, without it).
# The emulator's TSC is 1 GHz on the host's System.nanoTime (VirtualClock), so its ticks are host ns; under KVM
# the guest reads the host's TSC, whose rate this script measures (rdtsc against CLOCK_MONOTONIC, 200 ms).
# Rounds are interleaved (interpreter, translator, KVM, then again).
# Writes the "hypercall" section of bench/results.md. Maven runs offline and honours MAVEN_OPTS (e.g.
# MAVEN_OPTS=-Dmaven.repo.local=/some/repository).
# Usage: bench/hypercall.sh [--count N] [--rounds R] [--timeout S]
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
source bench/lib.sh
COUNT=1000000
ROUNDS=5
TIMEOUT=300
ARGS="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    *) echo "usage: bench/hypercall.sh [--count N] [--rounds R] [--timeout S]" >&2; exit 2 ;;
  esac
done
[ "$COUNT" -ge 10 ] || { echo "hypercall.sh: --count must be at least 10" >&2; exit 2; }
PORT=0x511

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
OUT=bench/target/hypercall
mkdir -p "$OUT"
make -s -C bundles/guest-micro/src/main/c OUT="$PWD/$OUT" OBJ="$PWD/$OUT/obj" "$PWD/$OUT/hvbench.elf"
ELF=$OUT/hvbench.elf
[ -d bench/target/classes/dev/celadon/bench ] || mvn -o -q -f bench/pom.xml install -DskipTests
CP=$(bench_classpath)
[ -n "$CP" ] || { echo "hypercall.sh: no classpath for the bench module (mvn -o -f bench/pom.xml failed)" >&2; exit 1; }

KVM_CLASS=dev.celadon.kvm.internal.KvmBackend
PEERS="interp jit"
KVM_WHY=""
TSC_KVM=""
if [ -e /dev/kvm ]; then
  # The host's TSC rate: the KVM guest reads it unscaled (the KVM backend sets no TSC frequency).
  cat > "$OUT/tsc-hz.c" <<'EOF'
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(void) {
  double t0 = now(); unsigned long long c0 = __rdtsc(), c1; double t1;
  do { t1 = now(); } while (t1 - t0 < 0.2);
  c1 = __rdtsc();
  printf("%.0f\n", (c1 - c0) / (t1 - t0));
  return 0;
}
EOF
  gcc -O2 -o "$OUT/tsc-hz" "$OUT/tsc-hz.c"
  TSC_KVM=$("$OUT/tsc-hz")
  rc=0
  run_limited "$TIMEOUT" "$OUT/kvm-probe.txt" java -cp "$CP" dev.celadon.bench.MicroGuestRun --backend-class "$KVM_CLASS" \
    --elf "$ELF" --append "count=10 port=$PORT" >/dev/null || rc=$?
  if [ "$rc" = 0 ] && grep -q 'unknown_ok=10 ' "$OUT/kvm-probe.txt"; then
    PEERS="$PEERS kvm"
  else
    KVM_WHY="KVM backend did not run the guest (status $rc): $(grep -m1 'micro-guest-run:\|CELADON-HVBENCH no\|CELADON-HVBENCH the' "$OUT/kvm-probe.txt" || tail -n 1 "$OUT/kvm-probe.txt")"
  fi
else
  KVM_WHY="skipped: no /dev/kvm on this host"
fi
[ -z "$KVM_WHY" ] || echo "hypercall.sh: KVM $KVM_WHY" >&2

label() { case $1 in interp) echo "Celadon emulator, interpreter" ;; jit) echo "Celadon emulator, translator" ;;
  kvm) echo "Celadon KVM backend" ;; esac; }
tsc_hz() { [ "$1" = kvm ] && echo "$TSC_KVM" || echo 1000000000; }

# one PEER ROUND: runs the guest once, checks its line, appends ns per unknown call, per HvSignalEvent, per
# port exit, and the share of the run the guest timed, to the peer's files.
one() {
  local p=$1 f="$OUT/run-$1-$2.txt" t rc=0 line hz
  case $p in
    interp|jit) t=$(run_limited "$TIMEOUT" "$f" java -Dceladon.emulator.tier="$([ "$p" = jit ] && echo translator || echo interpreter)" \
                  -cp "$CP" dev.celadon.bench.MicroGuestRun --elf "$ELF" --append "count=$COUNT port=$PORT") || rc=$? ;;
    kvm) t=$(run_limited "$TIMEOUT" "$f" java -cp "$CP" dev.celadon.bench.MicroGuestRun --backend-class "$KVM_CLASS" \
                  --elf "$ELF" --append "count=$COUNT port=$PORT") || rc=$? ;;
  esac
  line=$(grep -m1 "^CELADON-HVBENCH count=$COUNT unknown_status=" "$f" || true)
  if [ "$rc" != 0 ] || [ -z "$line" ] ||
     ! grep -q "unknown_status=0x2 unknown_ok=$COUNT .*signal_status=0x12 signal_ok=$COUNT .*port_count=$COUNT " <<<"$line"; then
    echo "hypercall.sh: $p round $2: status $rc, no good result line (every call must return its status)" >&2
    cat "$f" >&2
    exit 1
  fi
  hz=$(tsc_hz "$p")
  awk -v l="$line" -v n="$COUNT" -v hz="$hz" -v t="$t" -v o="$OUT/$p" '
    BEGIN { k = split(l, a, /[ =]/); for (i = 1; i < k; i++) v[a[i]] = a[i + 1]
      printf "%.6g\n", v["unknown_ticks"] / n * 1e9 / hz >> (o "-unknown.txt")
      printf "%.6g\n", v["signal_ticks"] / n * 1e9 / hz >> (o "-signal.txt")
      printf "%.6g\n", v["port_ticks"] / n * 1e9 / hz >> (o "-port.txt")
      printf "%.6g\n", v["unknown_ticks"] / v["port_ticks"] >> (o "-ratio-unknown.txt")
      printf "%.6g\n", v["signal_ticks"] / v["port_ticks"] >> (o "-ratio-signal.txt")
      # the guest-timed part of the run against the host-measured whole run: must stay below 1
      printf "%.6g\n", (v["unknown_ticks"] + v["signal_ticks"] + v["port_ticks"]) / hz / t >> (o "-share.txt") }'
  echo "hypercall.sh: round $2 $p: ${t}s, $(tail -n 1 "$OUT/$p-unknown.txt") ns/unknown, $(tail -n 1 "$OUT/$p-signal.txt") ns/signal, $(tail -n 1 "$OUT/$p-port.txt") ns/port" >&2
}
for p in interp jit kvm; do for k in unknown signal port ratio-unknown ratio-signal share; do : > "$OUT/$p-$k.txt"; done; done
for r in $(seq "$ROUNDS"); do
  for p in $PEERS; do one "$p" "$r"; done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the table
f1() { awk -v a="$1" 'BEGIN { if (a == "-") print "-"; else printf "%.1f", a }'; }
f2() { awk -v a="$1" 'BEGIN { if (a == "-") print "-"; else printf "%.2f", a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
overlap() { awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { if (a == "-" || c == "-") print "-"; else print (a <= d && c <= b) ? "overlap" : "disjoint" }'; }
{
  echo "## Hypercall round trip against a null port-I/O exit"
  echo
  echo "The hvbench micro-guest (\`bundles/guest-micro\`) through MicroGuestRun and the real hypervisor core (its"
  echo "Hyper-V layer: hypercall page, router, dispatcher): GUEST_OS_ID, hypercall page enabled, then $COUNT of each,"
  echo "timed in the guest with RDTSC after $((COUNT / 10)) untimed warm-up iterations of each: a call with an unknown"
  echo "code (0x0099 → HV_STATUS_INVALID_HYPERCALL_CODE, answered by the router), a fast HvSignalEvent to an"
  echo "unregistered connection (through the dispatcher's checks → HV_STATUS_INVALID_CONNECTION_ID), an 8-bit \`out\`"
  echo "to port $PORT, which nobody claims. Every status was checked in the guest ($COUNT of $COUNT as expected, each"
  echo "run). The emulator's TSC is 1 GHz on the host's \`System.nanoTime\`, so its ticks are host nanoseconds; the"
  echo "hypercall traps by VMCALL there. $ROUNDS interleaved rounds; ns per operation, median (min–max)."
  echo
  echo "| peer | unknown-code hypercall ns | HvSignalEvent ns | null port exit ns | unknown/port | signal/port | hypercall vs port ranges |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  for p in interp jit kvm; do
    if [[ " $PEERS " == *" $p "* ]]; then
      read -r U UMIN UMAX < <(stats "$OUT/$p-unknown.txt")
      read -r S SMIN SMAX < <(stats "$OUT/$p-signal.txt")
      read -r P PMIN PMAX < <(stats "$OUT/$p-port.txt")
      read -r RU RUMIN RUMAX < <(stats "$OUT/$p-ratio-unknown.txt")
      read -r RS RSMIN RSMAX < <(stats "$OUT/$p-ratio-signal.txt")
      echo "| $(label "$p") | $(f1 "$U") ($(f1 "$UMIN")–$(f1 "$UMAX")) | $(f1 "$S") ($(f1 "$SMIN")–$(f1 "$SMAX")) | $(f1 "$P") ($(f1 "$PMIN")–$(f1 "$PMAX")) | $(ratio "$U" "$P") (per round $(f2 "$RUMIN")–$(f2 "$RUMAX")) | $(ratio "$S" "$P") (per round $(f2 "$RSMIN")–$(f2 "$RSMAX")) | unknown $(overlap "$UMIN" "$UMAX" "$PMIN" "$PMAX"), signal $(overlap "$SMIN" "$SMAX" "$PMIN" "$PMAX") |"
    elif [ "$p" = kvm ]; then
      echo "| Celadon KVM backend | $KVM_WHY | | | | | |"
    fi
  done
  echo
  echo "Ratios are of the medians (per-round ratios, from the same run, in brackets). The guest-timed loops took"
  for p in $PEERS; do
    read -r SH SHMIN SHMAX < <(stats "$OUT/$p-share.txt")
    echo "$(f2 "$SHMIN")–$(f2 "$SHMAX") of the host-measured whole run ($(label "$p"));"
  done
  [ -n "$TSC_KVM" ] && echo "the KVM guest's TSC was taken at the host's measured rate, $TSC_KVM Hz;"
  echo "the rest is JVM start, boot and warm-up."
  echo
  echo "Host: $(uname -r), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)),"
  echo "$([ -e /dev/kvm ] && echo "/dev/kvm present" || echo "no /dev/kvm"), $(java -version 2>&1 | head -n 1), load average before: $LOAD_BEFORE, after: $LOAD_AFTER (shared machine), $(date -u +%Y-%m-%d)."
  echo "Command: \`bench/hypercall.sh${ARGS:+ $ARGS}\`"
} > "$OUT/section.md"
replace_section bench/results.md hypercall "$OUT/section.md"
cat "$OUT/section.md"
