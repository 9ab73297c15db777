#!/usr/bin/env bash
# bench/storage.sh [SIZE_MIB] [SECONDS]: the storage VSP in loopback (bundles/storvsc StorageBench: the Java VSC,
# VMBus rings in loopback guest memory, the VSP, a fixed VHD) against the host's own pread of the same file, in
# one run; writes the table to bench/results.md (section "storage").
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
size=${1:-256}
secs=${2:-5}
for m in vhd vmbus-api vmbus-ring vmbus-server storage-api storvsp; do
  mvn -o -q -DskipTests -f bundles/$m/pom.xml install
done
mvn -o -q -f bundles/storvsc/pom.xml test-compile
CP=$(mvn -o -q -f bundles/storvsc/pom.xml org.codehaus.mojo:exec-maven-plugin:exec -Dexec.executable=echo \
  -Dexec.classpathScope=test -Dexec.args="%classpath" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' \
  | grep 'test-classes' | tail -n 1)
OUT=$(mktemp -d)
before=$(cut -d' ' -f1-3 /proc/loadavg)
java -cp "$CP" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn dev.celadon.storvsc.StorageBench \
  "${TMPDIR:-/var/tmp}" "$size" "$secs" >"$OUT/table.md"
{
  echo "## Storage VSP in loopback vs the host's pread"
  echo
  echo "4 KiB random reads at queue depth 1 and 1 MiB sequential reads of a fixed VHD (data in the page cache):"
  echo "the Java VSC sends SCSI READ(16) as EXECUTE_SRB with a GPA-direct page list through real VMBus rings in"
  echo "loopback guest memory, the VSP reads the disk straight into the guest pages; the peer is pread(2)"
  echo "(FileChannel.read at an offset) of the same file in the same JVM, same run."
  echo
  cat "$OUT/table.md"
  echo
  cat <<'NOTE'
Why the gap: queue depth 1, so each 4 KiB read is two thread hand-offs (guest thread to the channel worker
and back, wait/notify through the loopback SynIC) around a 4 KiB pread; the guest's buffer pages are
deliberately non-contiguous, so a 1 MiB read is 256 runs (the VSP does one pread into a bounce buffer and
copies) and the Java VSC then copies the MiB out page by page. The loopback's DirectGuestMemory (test-support)
records every access in a list that grows for the whole run, which slows later phases (an earlier run of the
same command, before the bounce buffer, gave 26,576 IOPS and 1,121 MB/s). Not yet measured: a real guest.
NOTE
  echo
  echo "Host: $(uname -r), $(nproc) CPUs, load average before: $before, $(date -u +%F)."
  echo "Command: \`bench/storage.sh $size $secs\`"
} >"$OUT/section.md"
cat "$OUT/section.md"
replace_section bench/results.md storage "$OUT/section.md"
rm -rf "$OUT"
