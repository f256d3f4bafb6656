#!/usr/bin/env bash
# base_rootfs.sh OUT.tar — a stand-in for the python:3.11-slim-bookworm base image, as a root filesystem tarball.
#
# No container registry is reachable from the machines the image test runs on, so the Dockerfile's pinned base
# cannot be pulled. This builds the nearest thing from the Debian archive: debootstrap --variant=minbase bookworm
# with Debian's python3 (3.11 in bookworm), venv and pip, upgraded from bookworm-updates/-security, with the
# conventions of debian:bookworm-slim (deb822 sources; apt keeps no caches or translations; dpkg skips docs, man
# pages and locales) and no PEP 668 marker (the official image's /usr/local python has none, and the Dockerfile
# relies on that). The host's extra CA certificates (a TLS-intercepting proxy, as on many corporate networks) are
# added, or pip could not reach PyPI during the build. tests/image/conftest.py imports the tarball with
# `docker import` and caches both. Needs root (chroot, mounts). MIRROR overrides debootstrap's default mirror.
set -euo pipefail
out=$1
root=$(mktemp -d "${out}.rootfs.XXXXXX")
cleanup() {
    umount "$root/proc" 2>/dev/null || true
    umount "$root/dev" 2>/dev/null || true
    rm -rf "$root"
}
trap cleanup EXIT

debootstrap --variant=minbase \
    --include=python3,python3-venv,python3-pip,python-is-python3,ca-certificates,netbase,tzdata \
    bookworm "$root" ${MIRROR:+"$MIRROR"}
uri=$(awk '$1 == "deb" { print $2; exit }' "$root/etc/apt/sources.list")
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $uri
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${uri%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CLEAN
echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
echo 'force-unsafe-io' >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
DPKG
cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
mount --bind /dev "$root/dev"
mount -t proc proc "$root/proc"
chroot "$root" apt-get update -q
DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get -y -q upgrade
chroot "$root" update-ca-certificates
chroot "$root" apt-get clean
umount "$root/proc" "$root/dev"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log "$root"/tmp/* "$root"/root/.cache
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/usr/share/info/* "$root"/usr/share/groff/*
rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
: >"$root/etc/resolv.conf"
echo localhost >"$root/etc/hostname"
tar --numeric-owner --xattrs -C "$root" -cf "$out.partial" .
mv "$out.partial" "$out"
