#!/usr/bin/env bash
# Runs Celadon with a VM named "demo" booted and leaves you at the Karaf shell.
#   ./run.sh            build if needed, then start
#   ./run.sh --rebuild  build again first
set -euo pipefail
cd "$(dirname "$0")"
. scripts/prerequisites.sh
celadon_prerequisites
celadon_kvm_report
ASSEMBLY=karaf-assembly/target/assembly
stale() {
  # Any source changed since the distribution was assembled?
  [ -n "$(find pom.xml bundles features karaf-assembly/pom.xml karaf-assembly/src -newer "$ASSEMBLY/etc/config.properties" \
      -type f -not -path '*/target/*' 2>/dev/null | head -1)" ]
}
if [ "${1:-}" = "--rebuild" ] || [ ! -x "$ASSEMBLY/bin/karaf" ] || stale; then
  echo "Building Celadon (mvn install -DskipTests; log in target/run-build.log)..."
  mkdir -p target
  if ! mvn -B -q install -DskipTests > target/run-build.log 2>&1; then
    tail -40 target/run-build.log >&2
    echo "The build failed; the whole log is target/run-build.log" >&2
    exit 1
  fi
fi
# celadon.demo makes the management bundle create (if absent) and start the VM "demo" on the "auto" backend:
# Debian's cloud kernel on hardware KVM and on the emulator (no /dev/kvm); the micro-guest under software-nested KVM.
export EXTRA_JAVA_OPTS="${EXTRA_JAVA_OPTS:-} -Dceladon.demo=true"
echo "Starting Celadon. Try: vm:list, vm:info demo, vm:log demo, vm:console demo (Ctrl-] detaches). logout or Ctrl-D quits."
exec "$ASSEMBLY/bin/karaf"
