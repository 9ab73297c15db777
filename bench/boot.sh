#!/usr/bin/env bash
# Time to the guest kit's READY line: Debian's stock cloud kernel and the kit's initramfs, 1 vCPU, 256 MiB,
# on Celadon's emulator (interpreter only, and with the translator) and on QEMU TCG, same files, same run.
#   emulator   bench/src/main/java/dev/celadon/bench/LinuxBootRun.java: the emulator backend with the platform
#              management gives a VM (ACPI, 16550A COM1, ACPI poweroff, the Hyper-V layer); the bzImage as is,
#              and the vmlinux (decompressed on the host here with lz4) entered through its PVH note.
#   QEMU TCG   qemu-system-x86_64 -accel tcg -M pc -cpu qemu64, the same bzImage / vmlinux and initramfs.
# Command line: the kit's default plus what management adds on the emulator (GuestKit.emulatedCpuCmdline:
# mitigations=off init_on_alloc=0 nokaslr cryptomgr.notests tsc_early_khz=1000000). QEMU gets the same words
# except tsc_early_khz (its TSC runs at the host's rate and it has a PIT to calibrate against).
# Times: from process start to the READY line on the host's clock, for both (the JVM's start-up and image load
# are in the emulator's figure; "boot only" is the emulator's own partition-start-to-READY).
# Rounds are interleaved. Writes the "boot" section of bench/results.md.
# Usage: bench/boot.sh [--rounds R] [--timeout S] [--cpus N] [--mem MiB]
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
source bench/lib.sh
ROUNDS=3
TIMEOUT=400
CPUS=1
MEM=256
ARGS="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --cpus) CPUS=$2; shift 2 ;;
    --mem) MEM=$2; shift 2 ;;
    *) echo "usage: bench/boot.sh [--rounds R] [--timeout S] [--cpus N] [--mem MiB]" >&2; exit 2 ;;
  esac
done
command -v qemu-system-x86_64 >/dev/null || { echo "boot.sh: qemu-system-x86_64 is missing (scripts/prerequisites.sh installs it)" >&2; exit 1; }
command -v lz4 >/dev/null || { echo "boot.sh: lz4 is missing (apt-get install lz4)" >&2; exit 1; }
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
OUT=bench/target/boot
mkdir -p "$OUT"
[ -d bench/target/classes/dev/celadon/bench ] && [ -f bench/target/classes/dev/celadon/bench/LinuxBootRun.class ] \
  || mvn -o -q -f bench/pom.xml install -DskipTests
CP="$(bench_classpath)"
java -cp "$CP" dev.celadon.guest.linux.kit.GuestKit > "$OUT/kit.txt"
KERNEL=$(sed -n 's/^kernel  //p' "$OUT/kit.txt")
INITRD=$(sed -n 's/^initrd  //p' "$OUT/kit.txt")
RELEASE=$(sed -n 's/^release //p' "$OUT/kit.txt")
BASE=$(sed -n 's/^cmdline //p' "$OUT/kit.txt")
EMU_EXTRA=$(sed -n 's/^emulated-cpu-cmdline //p' "$OUT/kit.txt")
EMU_CMDLINE="$BASE $EMU_EXTRA"
QEMU_CMDLINE="$BASE $(echo "$EMU_EXTRA" | sed 's/ *tsc_early_khz=[0-9]*//')"
# The vmlinux inside the bzImage: the payload at the setup header's payload_offset (0x248) is LZ4 (legacy
# frames) in Debian's cloud kernel.
VMLINUX=$OUT/vmlinux-$RELEASE
if [ ! -s "$VMLINUX" ]; then
  python3 - "$KERNEL" "$OUT/payload.lz4" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read()
setup = (b[0x1f1] or 4) + 1
off, length = struct.unpack_from('<II', b, 0x248)
p = b[setup * 512 + off: setup * 512 + off + length]
if p[:4] != bytes.fromhex('02214c18'):
    sys.exit('payload is not LZ4 legacy: ' + p[:6].hex())
open(sys.argv[2], 'wb').write(p)
PY
  lz4 -dc "$OUT/payload.lz4" > "$VMLINUX" 2>/dev/null || true   # trailing size word makes lz4 complain
  [ "$(head -c 4 "$VMLINUX" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || { echo "boot.sh: no ELF vmlinux extracted" >&2; exit 1; }
fi

# qemu_run OUT KERNEL: QEMU TCG to the marker; prints the seconds from process start to the READY line.
qemu_run() {
  python3 - "$TIMEOUT" "$1" qemu-system-x86_64 -accel tcg -M pc -cpu qemu64 -m "$MEM" -smp "$CPUS" -nodefaults \
    -no-user-config -nographic -serial stdio -monitor none -no-reboot -kernel "$2" -initrd "$INITRD" \
    -append "$QEMU_CMDLINE" <<'PY'
import subprocess, sys, time
limit, out, cmd = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
seen = None
with open(out, 'wb') as log:
    for line in p.stdout:
        log.write(line)
        if b'CELADON-GUEST-READY' in line:
            seen = time.monotonic() - t0
            break
        if time.monotonic() - t0 > limit:
            break
p.kill(); p.wait()
if seen is None:
    sys.exit(1)
print('%.3f' % seen)
PY
}
# emu_run OUT KERNEL TIER: prints "wall boot" seconds (process start to READY, partition start to READY).
emu_run() {
  local t0 line
  t0=$EPOCHREALTIME
  java -Dceladon.emulator.tier="$3" -cp "$CP" dev.celadon.bench.LinuxBootRun --kernel "$2" --initrd "$INITRD" \
    --append "$EMU_CMDLINE" --cpus "$CPUS" --mem "$MEM" --timeout "$TIMEOUT" --console "$1.console" > "$1" 2>&1 || true
  line=$(grep -m1 '^linux-boot-run: end=marker' "$1") || return 1
  # Both figures: the runner's partition start to READY, and the whole process (JVM launch to exit).
  echo "$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$line") $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.3f", b-a}')"
}

PEERS="qemu-bz qemu-pvh emu-int-bz emu-int-pvh emu-jit-bz"
for peer in $PEERS; do : > "$OUT/$peer.times"; : > "$OUT/$peer.proc"; done
for r in $(seq 1 "$ROUNDS"); do
  for peer in $PEERS; do
    f="$OUT/$peer-$r.txt"
    case $peer in
      qemu-bz)  t=$(qemu_run "$f" "$KERNEL") || { echo "boot.sh: QEMU (bzImage) did not reach READY: $f" >&2; exit 1; } ;;
      qemu-pvh) t=$(qemu_run "$f" "$VMLINUX") || { echo "boot.sh: QEMU (PVH) did not reach READY: $f" >&2; exit 1; } ;;
      emu-int-bz)  t=$(emu_run "$f" "$KERNEL" interpreter) || { echo "boot.sh: emulator did not reach READY: $f" >&2; cat "$f" >&2; exit 1; } ;;
      emu-jit-bz)  t=$(emu_run "$f" "$KERNEL" translator) || { echo "boot.sh: emulator did not reach READY: $f" >&2; cat "$f" >&2; exit 1; } ;;
      emu-int-pvh) t=$(emu_run "$f" "$VMLINUX" interpreter) || { echo "boot.sh: emulator did not reach READY: $f" >&2; cat "$f" >&2; exit 1; } ;;
    esac
    set -- $t
    echo "$1" >> "$OUT/$peer.times"
    [ -n "${2:-}" ] && echo "$2" >> "$OUT/$peer.proc"
    echo "round $r $peer: $t" >&2
  done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

label() {
  case $1 in
    qemu-bz) echo "QEMU $(qemu-system-x86_64 --version | sed -n 's/.*version \([0-9.]*\).*/\1/p') TCG, -M pc, bzImage" ;;
    qemu-pvh) echo "QEMU TCG, -M pc, vmlinux through PVH" ;;
    emu-int-bz) echo "Celadon emulator, interpreter only, bzImage" ;;
    emu-jit-bz) echo "Celadon emulator, with the translator, bzImage" ;;
    emu-int-pvh) echo "Celadon emulator, interpreter only, vmlinux through PVH" ;;
  esac
}
{
  echo "## Boot to the READY line: Celadon's emulator vs QEMU TCG"
  echo
  echo "Debian's $RELEASE (the guest kit's, unmodified) and the kit's initramfs, $CPUS vCPU(s), $MEM MiB, $ROUNDS"
  echo "interleaved rounds. Seconds from the boot's start to the line \`CELADON-GUEST-READY\` on the serial console:"
  echo "for QEMU from its process start (QEMU's own start-up is included), for the emulator from the partition's start"
  echo "(the JVM's start-up and the image load are in \"process\", measured from the JVM's launch to its exit, which"
  echo "includes the teardown). Lower is better."
  echo
  echo "| peer | median s | min | max | process s (median) | vs QEMU bzImage (median) |"
  echo "|---|---:|---:|---:|---:|---:|"
  read -r qm _ _ < <(stats "$OUT/qemu-bz.times")
  for peer in $PEERS; do
    read -r m lo hi < <(stats "$OUT/$peer.times")
    pm="-"; [ -s "$OUT/$peer.proc" ] && read -r pm _ _ < <(stats "$OUT/$peer.proc")
    printf '| %s | %s | %s | %s | %s | %.1fx |\n' "$(label "$peer")" "$m" "$lo" "$hi" "$pm" "$(awk -v a="$m" -v b="$qm" 'BEGIN{print a/b}')"
  done
  echo
  read -r im ilo ihi < <(stats "$OUT/emu-int-bz.times")
  read -r jm jlo jhi < <(stats "$OUT/emu-jit-bz.times")
  read -r pm plo phi < <(stats "$OUT/emu-int-pvh.times")
  overlap() { awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN{print (a<=d && c<=b) ? "ranges overlap" : "ranges disjoint"}'; }
  echo "- time with the translator / interpreter only (bzImage): $(awk -v a="$im" -v b="$jm" 'BEGIN{printf "%.2f", b/a}') ($(overlap "$ilo" "$ihi" "$jlo" "$jhi"))"
  echo "- time through PVH / bzImage on the emulator (interpreter): $(awk -v a="$im" -v b="$pm" 'BEGIN{printf "%.2f", b/a}') ($(overlap "$ilo" "$ihi" "$plo" "$phi"))"
  echo "- emulator (interpreter, bzImage) / QEMU TCG (bzImage): $(awk -v a="$im" -v b="$qm" 'BEGIN{printf "%.1f", a/b}'); the issue's aim is 3 or less"
  echo
  echo "Emulator command line: \`$EMU_CMDLINE\`; QEMU: the same without tsc_early_khz."
  echo
  echo "Host: $(uname -r), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)),"
  echo "no /dev/kvm, load average before: $LOAD_BEFORE, after: $LOAD_AFTER, $(date -u +%F)."
  echo "Command: \`bench/boot.sh${ARGS:+ $ARGS}\`"
} > "$OUT/section.md"
replace_section bench/results.md boot "$OUT/section.md"
cat "$OUT/section.md"
