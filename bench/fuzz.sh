#!/usr/bin/env bash
# bench/fuzz.sh N [SEED] [control|ring|storage ...]: runs the hostile-guest fuzzers with N inputs each instead
# of the suite's 20,000 (default: all three, one after the other, never at once):
#   control  bundles/vmbus-server ControlFuzzTest: VMBus control messages against the server in loopback
#   ring     bundles/vmbus-ring   RingFuzzTest:    a hostile peer damaging ring headers, descriptors and data
#   storage  bundles/storvsc      StorageFuzzTest: storvsc packets and SRBs against the storage VSP in loopback
# and prints, per fuzzer, its summary line (inputs, channel closes, refusals/closes by reason, host failures,
# time and rate), the wall time and the load. A host failure (an exception other than the refusal, a wrong or
# missing answer, an access outside the guest's pages, the neighbour channel harmed) fails that fuzzer's test:
# the script then prints the assertion and exits non-zero. The refusals are still recorded (the server's and
# the VSP's event lists, the channel's close reason, all of them counted), but not logged: ten million
# WARN lines would cost more than the inputs. Build first (mvn -o -q install -DskipTests). On a shared
# machine run it as `nice -n 19 bench/fuzz.sh ...`. Extra Maven options: MVN_OPTS (e.g. -Dmaven.repo.local=...).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?usage: bench/fuzz.sh N [SEED] [control|ring|storage ...]}
seed=${2:-}
shift $(( $# >= 2 ? 2 : 1 ))
which=("$@")
[ ${#which[@]} -eq 0 ] && which=(control ring storage)
status=0
for f in "${which[@]}"; do
  case $f in
    control) module=bundles/vmbus-server test=ControlFuzzTest prop=vmbus.control.fuzz ;;
    ring) module=bundles/vmbus-ring test=RingFuzzTest prop=vmbus.ring.fuzz ;;
    storage) module=bundles/storvsc test=StorageFuzzTest prop=storvsp.fuzz ;;
    *) echo "fuzz: unknown fuzzer $f (control, ring, storage)"; exit 2 ;;
  esac
  rm -f "$module/target/surefire-reports/"*"$test"*   # never report an earlier run's summary
  out=$(mktemp)
  t0=$(date +%s)
  rc=0
  # shellcheck disable=SC2086
  mvn -o -q ${MVN_OPTS:-} -f "$module/pom.xml" surefire:test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
    -D"$prop.count=$n" ${seed:+-D"$prop.seed=$seed"} -Dorg.slf4j.simpleLogger.defaultLogLevel=off \
    >"$out" 2>&1 || rc=$?
  t1=$(date +%s)
  report=$(ls "$module"/target/surefire-reports/TEST-*."$test".xml 2>/dev/null | head -n 1 || true)
  echo "== $f: $module $test, $n inputs${seed:+, seed $seed}: exit $rc, wall $((t1 - t0)) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
  # The summary is the test's own output (printed only when every input passed).
  sed -n '/fuzz: seed/,/]]>/p' "$report" 2>/dev/null | sed 's/]]>.*//; s/.*<!\[CDATA\[//' || true
  if [ "$rc" -ne 0 ]; then
    grep -v 'WARN\|INFO' "$out" | head -n 60
    echo "fuzz $f: FAILED (mvn status $rc)"
    status=$rc
  fi
  rm -f "$out"
done
exit "$status"
