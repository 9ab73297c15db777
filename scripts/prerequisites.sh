#!/usr/bin/env bash
# Installs what Celadon's build, tests and run need beyond Java 17, Maven and gcc, on Debian 12.
# Sourced by run.sh and test.sh; does nothing when everything is present.
set -euo pipefail

celadon_prerequisites() {
  local missing=()
  command -v java >/dev/null || { echo "Celadon needs Java 17 (apt-get install openjdk-17-jdk-headless)" >&2; return 1; }
  command -v mvn >/dev/null || missing+=(maven)
  command -v gcc >/dev/null || missing+=(gcc)
  command -v iasl >/dev/null || missing+=(acpica-tools)          # independent check of our ACPI tables
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)  # peer for benchmarks
  command -v qemu-img >/dev/null || missing+=(qemu-utils)         # peer for disk images
  command -v cpio >/dev/null || missing+=(cpio)
  command -v ssh >/dev/null || missing+=(openssh-client)          # tests drive the Karaf shell over SSH
  command -v ssh-keygen >/dev/null || missing+=(openssh-client)
  command -v dpkg-deb >/dev/null || missing+=(dpkg)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing: ${missing[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then
      echo "Run as root, or install these packages first: ${missing[*]}" >&2
      return 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  local v
  v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  if [ "$v" != "17" ]; then
    local j17
    j17=$(ls -d /usr/lib/jvm/java-17-openjdk-* 2>/dev/null | head -1 || true)
    if [ -n "$j17" ]; then
      export JAVA_HOME="$j17" PATH="$j17/bin:$PATH"
    else
      echo "Karaf 4.4.8 needs Java 17; found Java $v" >&2
      return 1
    fi
  fi
  # Karaf's scripts warn "JAVA_HOME not set" on screen otherwise.
  if [ -z "${JAVA_HOME:-}" ]; then
    JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    export JAVA_HOME
  fi
}

celadon_kvm_report() {
  if [ ! -e /dev/kvm ]; then
    echo "KVM: /dev/kvm is absent: guests run on Celadon's emulator backend (KVM-only tests are skipped and say so)"
  elif [ -d /sys/module/kvm_pvm ]; then
    echo "KVM: /dev/kvm is software-nested (kvm_pvm): guests run on KVM and on the emulator; the stock Linux boot test is skipped"
  else
    echo "KVM: /dev/kvm is hardware-assisted: guests run on KVM and on the emulator"
  fi
}
