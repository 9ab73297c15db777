#!/usr/bin/env bash
# Differential test of the emulator's CPU against this host's CPU, bench-sized.
#   bench/difftest/run.sh [CASES] [SEED] [--all] [--report FILE]
# CASES (default 1000000) are spread evenly over the instruction forms; SEED (default 1) makes the run
# reproducible. --all also runs the forms the suite excludes (see bundles/emulator/.../Exclusions.java).
# Prints cases run, forms covered, mismatches per form and a reproducer for each; exits 1 on a mismatch.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
cases="${1:-1000000}"; seed="${2:-1}"; shift $(( $# > 2 ? 2 : $# )) || true
mod=bundles/emulator
mvn -o -q -f "$mod/pom.xml" test-compile
cp_file="$mod/target/difftest-classpath.txt"
if [ ! -s "$cp_file" ] || [ "$mod/pom.xml" -nt "$cp_file" ]; then
  mvn -o -q -f "$mod/pom.xml" dependency:build-classpath -Dmdep.outputFile="$PWD/$cp_file" -Dmdep.includeScope=test >/dev/null
fi
exec java -Dceladon.difftest.oracle="$mod/src/test/c/oracle.c" \
  -cp "$mod/target/test-classes:$mod/target/classes:$(cat "$cp_file")" \
  dev.celadon.emulator.cpu.difftest.DifftestMain "$cases" "$seed" "$@"
