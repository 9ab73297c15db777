#!/usr/bin/env bash
# bench/fuzz-storage.sh N [SEED]: runs the storage VSP fuzz (bundles/storvsc StorageFuzzTest) with N inputs
# instead of the suite's 20,000, over the loopback rings, and prints its summary line (inputs, channel closes,
# logged refusals, outcomes). A failure prints the input that broke it. Build first:
#   mvn -o -q -DskipTests -f bundles/storvsc/pom.xml install   (and the bundles it depends on)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?usage: bench/fuzz-storage.sh N [SEED]}
seed=${2:-8}
out=$(mktemp)
status=0
mvn -o -q -f bundles/storvsc/pom.xml surefire:test -Dtest=StorageFuzzTest -Dstorvsp.fuzz.count="$n" \
  -Dstorvsp.fuzz.seed="$seed" >"$out" 2>&1 || status=$?
grep -h 'storage fuzz:' bundles/storvsc/target/surefire-reports/*StorageFuzzTest-output.txt "$out" 2>/dev/null | head -n 1 || true
if [ "$status" -ne 0 ]; then
  grep -v 'WARN\|INFO' "$out" | head -n 60
  echo "fuzz-storage: FAILED (mvn status $status)"
fi
rm -f "$out"
exit "$status"
