#!/bin/bash
# Build (once) and cache a Debian 13 (trixie) rootfs tarball for the LXC deployment test.
#
# Stands in for Proxmox's debian-13-standard template: debootstrap's minbase plus systemd as PID 1,
# because install.sh expects a systemd container and must install everything else itself.
# Usage: make-rootfs.sh CACHE_DIR   -> prints the tarball path on stdout.
set -euo pipefail

readonly SUITE=trixie
readonly MIRROR=${ARRA_TEST_MIRROR:-http://deb.debian.org/debian}
readonly INCLUDE=systemd,systemd-sysv,dbus,ca-certificates

cache_dir=${1:?usage: make-rootfs.sh CACHE_DIR}
# The package list is part of the name, so changing it builds a fresh tarball instead of reusing a stale one.
tarball="$cache_dir/debian-$SUITE-minbase-$(printf '%s' "$INCLUDE" | sha256sum | cut -c1-8).tar.zst"

build_tarball() {
  # Global, not local: the EXIT trap runs after this function has returned.
  work=$(mktemp -d "$cache_dir/.build.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$work/rootfs" "$MIRROR" >&2
  # Empty apt's download cache: it is never needed again and would double the tarball.
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb
  tar --numeric-owner --xattrs -C "$work/rootfs" -cf - . | zstd -T2 -q -o "$work/rootfs.tar.zst"
  mv "$work/rootfs.tar.zst" "$tarball"
}

mkdir -p "$cache_dir"
if [ ! -s "$tarball" ]; then
  # A lock keeps two concurrent test runs from building the same tarball twice.
  exec 9>"$cache_dir/.lock"
  flock 9
  [ -s "$tarball" ] || build_tarball
fi
printf '%s\n' "$tarball"
