#!/usr/bin/env bash
# Runs every test of Celadon. Works on a fresh Debian 12 machine with Java 17, Maven and gcc.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/prerequisites.sh
celadon_prerequisites
java -version 2>&1 | sed -n 1p
mvn -B -v | sed -n 1p
celadon_kvm_report
scripts/baseline.sh "$@"
exec mvn -B install "$@"
