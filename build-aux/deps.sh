#!/bin/sh
# Installs the Debian 12 packages a make target needs.
# Usage: build-aux/deps.sh GROUP...   (groups: build check fuzz bench deb browser)
# As root, missing packages are installed with apt-get (after apt-get update);
# otherwise the missing ones are listed with the command to install them and
# the script fails.
set -eu

pkgs_for() {
    case "$1" in
    build)   echo "build-essential apache2-dev libssl-dev pkg-config zlib1g-dev libbrotli-dev libzstd-dev libjson-c-dev" ;;
    check)   echo "apache2 apache2-utils check libcurl4-openssl-dev curl wget file openssl osslsigncode clang libclang-rt-14-dev gzip brotli zstd memcached redis-server sbsigntool" ;;
    fuzz)    echo "clang libclang-rt-14-dev" ;;
    bench)   echo "apache2 apache2-utils wrk valgrind strace libmagic-dev curl python3" ;;
    # dh-apache2 (dh_apache2) is a virtual package provided by apache2-dev,
    # which dpkg-query cannot report as installed.
    deb)     echo "dpkg-dev debhelper apache2-dev fakeroot" ;;
    browser) echo "chromium nodejs npm" ;;
    *) echo "deps.sh: unknown group '$1'" >&2; exit 2 ;;
    esac
}

want=""
for g in "$@"; do want="$want $(pkgs_for "$g")"; done

missing=""
for p in $want; do
    case " $missing " in *" $p "*) continue ;; esac
    # A Node.js installed from elsewhere (NodeSource's nodejs bundles npm
    # and conflicts with Debian's npm package) serves as well as Debian's.
    case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm)    command -v npm >/dev/null 2>&1 && continue ;;
    esac
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    echo "deps.sh: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >/dev/null
    # Debian's postinst may start the system apache2 on port 80; the tests
    # start their own instances and do not need it.
    exit 0
fi
echo "deps.sh: missing Debian packages:$missing" >&2
echo "deps.sh: install them with: sudo apt-get install$missing" >&2
exit 1
