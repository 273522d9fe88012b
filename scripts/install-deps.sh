#!/usr/bin/env bash
# Installs what a fresh machine of this project's kind lacks to run `npm test`: Debian packages,
# node_modules, and the local test services' artifacts (Kafka jars, registry jar) in
# ~/.cache/netsentinel. Every step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DEBIAN_FRONTEND=noninteractive
SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi

step() { printf '[install-deps] %s\n' "$*" >&2; }

# --- Debian packages ---------------------------------------------------------------------
APT_PACKAGES=(redis-server libpcap-dev tshark kcat tcpdump chromium)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  # tshark asks whether non-root users may capture; answer it ahead so no prompt appears.
  echo 'wireshark-common wireshark-common/install-setuid boolean false' | "${SUDO[@]}" debconf-set-selections
  # Package scripts must not start services (redis-server on 6379) on this machine: the tests
  # start their own on free ports. policy-rc.d is honoured by invoke-rc.d during the install.
  added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${SUDO[@]}" chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  trap '[ "$added_policy" = 1 ] && "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" </dev/null
  if [ "$added_policy" = 1 ]; then "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d; added_policy=0; fi
else
  step "Debian packages present"
fi

# --- node_modules --------------------------------------------------------------------------
# The native addon is built by npm ci, so its sources are part of the stamp.
lock_hash="$(cat package-lock.json native/pcap/binding.gyp native/pcap/src/* | sha256sum | cut -d' ' -f1)"
stamp=node_modules/.netsentinel-lock.sha256
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
  step "node_modules match package-lock.json and native/pcap"
else
  step "npm ci"
  # rollup is pinned (package.json overrides) to a version whose every platform build is on the
  # registry, so the lock is complete and npm ci accepts it.
  npm ci --no-audit --no-fund
  echo "$lock_hash" > "$stamp"
fi

# --- test services' artifacts (Maven Central) ----------------------------------------------
step "Kafka and registry artifacts"
node --import tsx scripts/services/fetch-artifacts.ts
