#!/usr/bin/env bash
# Differential test of the emulator's CPU against this host's CPU, bench-sized.
#   bench/difftest/run.sh [CASES] [SEED] [--all] [--report FILE] [--tier interpreter|translator]
# CASES (default 1000000) are spread evenly over the instruction forms; SEED (default 1) makes the run
# reproducible. --all also runs the forms the suite excludes (see bundles/emulator/.../Exclusions.java).
# Prints cases run, forms covered, mismatches per form and a reproducer for each; exits 1 on a mismatch.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
cases="${1:-1000000}"; seed="${2:-1}"; shift $(( $# > 2 ? 2 : $# )) || true
# --tier interpreter|translator: the emulator's execution tier (the translator translates every block at its
# first run, so the translated code is what is compared); default: interpreter.
tier=interpreter; rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tier) tier="$2"; shift 2 ;;
    *) rest+=("$1"); shift ;;
  esac
done
mod=bundles/emulator
# exec-maven-plugin 3.5.0 is the version in the offline repository; the main class runs with the test classpath
exec mvn -o -q -f "$mod/pom.xml" test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:java \
  -Dexec.mainClass=dev.celadon.emulator.cpu.difftest.DifftestMain -Dexec.classpathScope=test \
  -Dceladon.difftest.oracle="$root/$mod/src/test/c/oracle.c" -Dceladon.emulator.tier="$tier" -Dexec.args="$cases $seed ${rest[*]}"
