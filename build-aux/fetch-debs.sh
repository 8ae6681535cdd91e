#!/bin/sh
# Copyright 2026 The mod_netexe Authors.
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License.  You may obtain
# a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
#
# Fetches Debian packages as test fixtures: real-world PE files (Mono's CIL
# assemblies, EFI binaries, NSIS stubs, signed shim/grub images).
#
# Usage: build-aux/fetch-debs.sh CACHE PKG...
#
# Each package is downloaded with `apt-get download` into CACHE/debs/ and
# unpacked with `dpkg-deb -x` into CACHE/PKG/ (nothing is installed).  A
# package already unpacked (CACHE/PKG/.unpacked exists) is left alone, so
# the script is cheap to run before every test.  When a download fails the
# package lists may be stale: as root the script runs `apt-get update` once
# and tries again.  Every package that cannot be fetched is named on stderr
# and the exit status is 1; the others are still fetched.  Tests look for
# files under CACHE/PKG/ and skip, visibly, what is missing.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 CACHE PKG..." >&2
    exit 2
fi
cache=$1
shift
mkdir -p "$cache/debs" || exit 2
cache=$(cd "$cache" && pwd)

# One fetcher per cache at a time: parallel make runs share it.
if command -v flock >/dev/null 2>&1 && [ -z "${FETCH_DEBS_LOCKED:-}" ]; then
    FETCH_DEBS_LOCKED=1 exec flock "$cache/.lock" "$0" "$cache" "$@"
fi

updated=no
download() {
    (cd "$cache/debs" && apt-get download -q "$1" >/dev/null 2>"$cache/debs/$1.log")
}

failed=""
for pkg in "$@"; do
    dest=$cache/$pkg
    [ -e "$dest/.unpacked" ] && continue
    if ! download "$pkg"; then
        if [ "$updated" = no ] && [ "$(id -u)" = 0 ]; then
            updated=yes
            apt-get update -q >/dev/null 2>&1
        fi
        if ! download "$pkg"; then
            echo "fetch-debs: cannot download $pkg: $(tail -n 1 "$cache/debs/$pkg.log")" >&2
            failed="$failed $pkg"
            continue
        fi
    fi
    # apt-get download names the file PKG_VERSION_ARCH.deb; take the newest.
    deb=$(ls -t "$cache/debs/${pkg}_"*.deb 2>/dev/null | head -n 1)
    rm -rf "$dest.tmp"
    if [ -z "$deb" ] || ! dpkg-deb -x "$deb" "$dest.tmp"; then
        echo "fetch-debs: cannot unpack $pkg" >&2
        rm -rf "$dest.tmp"
        failed="$failed $pkg"
        continue
    fi
    basename "$deb" >"$dest.tmp/.unpacked"
    rm -rf "$dest"
    mv "$dest.tmp" "$dest"
    echo "fetch-debs: $pkg -> $dest"
done

if [ -n "$failed" ]; then
    echo "fetch-debs: not fetched:$failed" >&2
    exit 1
fi
exit 0
