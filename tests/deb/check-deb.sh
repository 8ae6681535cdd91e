#!/bin/bash
# Copyright 2026 The mod_netexe Authors.
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License.  You may obtain
# a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
#
# check-deb.sh PACKAGE.deb -- the Debian package on a real Debian system.
#
# Installs the package with apt-get, enables the module with a2enmod,
# starts Debian's apache2 with its stock configuration (apache2ctl, which
# reads /etc/apache2/envvars and apache2.conf) on a spare 127.0.0.1 port,
# and checks with curl what a client receives: a CLR image gets
# Content-Disposition, a native image and a text file do not, and no body
# is changed.  Then it stops apache2, purges the package, and checks that
# /etc/apache2 and /var/lib/apache2 are byte for byte as they were.
#
# To keep the stock server off port 80, ports.conf is replaced for the run
# (the port comes from "-C Listen 127.0.0.1:PORT") and restored; log files
# written under APACHE_LOG_DIR are cut back to their old sizes, and the run
# and lock directories apache2ctl creates are removed if they were absent.
#
# It skips (exit 0, saying why) unless run as root with dpkg, apt-get,
# apache2ctl, a2enmod and curl; and when the system apache2 is running or
# the package is already installed, since it will not disturb a live
# server or an administrator's installation.  Exit status: the number of
# failed checks.
set -u

PKG=libapache2-mod-netexe
MODULE_SO=/usr/lib/apache2/modules/mod_netexe.so
MODS_AVAILABLE=/etc/apache2/mods-available
MODS_ENABLED=/etc/apache2/mods-enabled
PORTS_CONF=/etc/apache2/ports.conf
URL_PREFIX=/netexe-deb-test
START_TIMEOUT=20        # seconds for apache2 to answer
STOP_TIMEOUT=20         # seconds for the parent to exit after -k stop
PORT_TRIES=50
IMAGE_SIZE=1024         # bytes of each generated PE image

passed=0
failed=0

skip() {
    echo "check-deb: SKIPPED: $*"
    exit 0
}

pass() {
    passed=$((passed + 1))
    echo "PASS: $*"
}

fail() {
    failed=$((failed + 1))
    echo "FAIL: $*"
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

deb=${1:-}
[ -n "$deb" ] || { echo "usage: $0 PACKAGE.deb" >&2; exit 2; }
[ "$(id -u)" = 0 ] || skip "needs root (installs $PKG and starts the system apache2)"
for tool in dpkg dpkg-query apt-get apache2ctl a2enmod curl; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (build-aux/deps.sh check deb)"
done
[ -f "$deb" ] || { echo "check-deb: no package at $deb (make deb)" >&2; exit 2; }
case "$deb" in /*) ;; *) deb=$PWD/$deb ;; esac

# The paths the stock configuration uses, as apache2ctl sees them.
read -r PID_FILE RUN_DIR LOCK_DIR LOG_DIR < <(
    sh -c '. /etc/apache2/envvars && echo "$APACHE_PID_FILE $APACHE_RUN_DIR $APACHE_LOCK_DIR $APACHE_LOG_DIR"')
[ -n "${LOG_DIR:-}" ] || { echo "check-deb: cannot read /etc/apache2/envvars" >&2; exit 2; }

system_apache_running() {
    [ -s "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null
}
system_apache_running && skip "the system apache2 is running (pid $(cat "$PID_FILE")); not touching a live server"
case "$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null)" in
*" installed"|*config-files) skip "$PKG is already installed; not replacing it" ;;
esac

# State that must be the same afterwards: every file, link and directory
# of apache2's configuration and its module state, with content digests.
snapshot() {
    find /etc/apache2 /var/lib/apache2 -xdev -printf '%p %y %m %u:%g %l\n' 2>/dev/null | LC_ALL=C sort
    find /etc/apache2 /var/lib/apache2 -xdev -type f -exec md5sum {} + 2>/dev/null | LC_ALL=C sort -k2
}

tmp=$(mktemp -d /tmp/netexe-deb.XXXXXX) || exit 2
chmod 755 "$tmp"                # apache2 reads the fixtures as www-data
snapshot >"$tmp/before"
[ -d "$RUN_DIR" ] && run_dir_existed=1 || run_dir_existed=0
[ -d "$LOCK_DIR" ] && lock_dir_existed=1 || lock_dir_existed=0
find "$LOG_DIR" -maxdepth 1 -type f -printf '%f %s\n' >"$tmp/log-sizes" 2>/dev/null
find /var/lib/apache2 -xdev -type d 2>/dev/null | LC_ALL=C sort >"$tmp/state-dirs"

# Something else may own port 80; only a port that was free can show that
# this apache2 stayed off it.
(exec 3<>/dev/tcp/127.0.0.1/80) 2>/dev/null && port80_was_free=0 || port80_was_free=1

installed=0
ports_replaced=0
started=0
cleaned=0
port=

# apache2ctl with the arguments that keep this instance on 127.0.0.1:PORT
# and add the test directory; "-k start" rather than "start", because
# apache2ctl passes extra arguments only to a raw apache2 command line.
ctl() {
    apache2ctl "$@" -C "Listen 127.0.0.1:$port" -c "Include $tmp/netexe-test.conf"
}

cleanup() {
    local i name size
    [ "$cleaned" = 1 ] && return
    cleaned=1
    if [ "$started" = 1 ]; then
        ctl -k stop >"$tmp/stop.log" 2>&1
        for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
            system_apache_running || [ -e "$PID_FILE" ] || break
            sleep 0.1
        done
        started=0
    fi
    if [ "$ports_replaced" = 1 ]; then
        cp -p "$tmp/ports.conf.orig" "$PORTS_CONF"
        ports_replaced=0
    fi
    if [ "$installed" = 1 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$PKG" >"$tmp/purge.log" 2>&1
        installed=0
    fi
    # a2dismod, run by the purge, leaves empty state directories
    # (module/disabled_by_admin, disabled_by_maint) that were not there.
    find /var/lib/apache2 -xdev -type d 2>/dev/null | LC_ALL=C sort \
        | LC_ALL=C comm -13 "$tmp/state-dirs" - | sort -r \
        | while read -r d; do rmdir -- "$d" 2>/dev/null; done
    [ "$run_dir_existed" = 0 ] && rm -rf -- "$RUN_DIR"
    [ "$lock_dir_existed" = 0 ] && rm -rf -- "$LOCK_DIR"
    if [ -d "$LOG_DIR" ]; then
        for f in "$LOG_DIR"/*; do
            [ -f "$f" ] || continue
            name=${f##*/}
            size=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/log-sizes")
            if [ -n "$size" ]; then truncate -s "$size" "$f"; else rm -f -- "$f"; fi
        done
    fi
}

# shellcheck disable=SC2317  # called by the EXIT trap
on_exit() {
    cleanup
    rm -rf -- "$tmp"
}
trap on_exit EXIT
trap 'exit 2' INT TERM

# --- fixtures: a CLR image, a native image (same bytes, no COM descriptor)
# and a text file.  PE32, e_lfanew 0x40, no sections: enough for the
# sniffer's decision (DESIGN.md section 2).
put() {     # put FILE OFFSET BYTES...: writes hex bytes at OFFSET
    local file=$1 off=$2 hex=""
    shift 2
    for b in "$@"; do hex="$hex\\x$b"; done
    printf '%b' "$hex" | dd of="$file" bs=1 seek="$off" conv=notrunc status=none
}

make_pe() { # make_pe FILE CLR(0|1)
    local f=$1
    head -c "$IMAGE_SIZE" /dev/zero >"$f"
    put "$f" 0 4d 5a                        # "MZ"
    put "$f" $((0x3c)) 40 00 00 00          # e_lfanew = 0x40
    put "$f" $((0x40)) 50 45 00 00          # "PE\0\0"
    put "$f" $((0x44)) 4c 01                # Machine: i386
    put "$f" $((0x54)) e0 00                # SizeOfOptionalHeader = 0xE0
    put "$f" $((0x56)) 02 01                # EXECUTABLE_IMAGE | 32BIT_MACHINE
    put "$f" $((0x58)) 0b 01                # optional header magic: PE32
    put "$f" $((0xb4)) 10 00 00 00          # NumberOfRvaAndSizes = 16
    if [ "$2" = 1 ]; then                   # data directory 14 (COM descriptor)
        put "$f" $((0x128)) 08 20 00 00 48 00 00 00
    fi
}

www=$tmp/www
mkdir -m 755 "$www"
make_pe "$www/managed.exe" 1
make_pe "$www/setup" 1
make_pe "$www/native.exe" 0
echo "not a PE image" >"$www/readme.txt"
chmod 644 "$www"/*
cat >"$tmp/netexe-test.conf" <<EOF
Alias $URL_PREFIX/ "$www/"
<Directory "$www">
    Require all granted
    NetExe On
</Directory>
EOF

# --- install and enable
if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" \
        >"$tmp/install.log" 2>&1; then
    installed=1
    pass "apt-get install $(basename "$deb")"
else
    fail "apt-get install $(basename "$deb")"
    sed 's/^/    /' "$tmp/install.log"
    exit "$failed"
fi
check "$PKG is installed" \
    sh -c "dpkg-query -W -f='\${Status}' $PKG | grep -qx 'install ok installed'"
check "module at $MODULE_SO" test -f "$MODULE_SO"
check "netexe.load and netexe.conf in $MODS_AVAILABLE" \
    test -f "$MODS_AVAILABLE/netexe.load" -a -f "$MODS_AVAILABLE/netexe.conf"
check "netexe.load loads $MODULE_SO" \
    grep -q "^[[:space:]]*LoadModule[[:space:]]\+netexe_module[[:space:]]\+$MODULE_SO" \
    "$MODS_AVAILABLE/netexe.load"
check "/usr/bin/netexe-scan is installed" test -x /usr/bin/netexe-scan
check "netexe-scan(1) is installed" test -f /usr/share/man/man1/netexe-scan.1.gz
check "netexe-scan classifies a CLR image as clr" \
    sh -c "/usr/bin/netexe-scan '$www/managed.exe' | grep -qw clr"

# dh_apache2's postinst enables a module on a fresh install, as Debian's
# module packages do (it does nothing until "NetExe On"); a2enmod after it
# must still succeed.
check "the postinst enabled netexe" test -L "$MODS_ENABLED/netexe.load"
if a2enmod netexe >"$tmp/a2enmod.log" 2>&1; then
    pass "a2enmod netexe"
else
    fail "a2enmod netexe"
    sed 's/^/    /' "$tmp/a2enmod.log"
fi
check "netexe.load is enabled" test -L "$MODS_ENABLED/netexe.load"

# --- start the stock configuration on a spare port, never on port 80
for ((i = 0; i < PORT_TRIES; i++)); do
    port=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
    port=
done
[ -n "$port" ] || { fail "no spare port on 127.0.0.1"; exit "$failed"; }

cp -p "$PORTS_CONF" "$tmp/ports.conf.orig"
ports_replaced=1
echo "# check-deb.sh: no Listen here during the test; see -C on the command line" >"$PORTS_CONF"

if ctl -t >"$tmp/configtest.log" 2>&1; then
    pass "apache2ctl configtest (stock configuration + netexe)"
else
    fail "apache2ctl configtest (stock configuration + netexe)"
    sed 's/^/    /' "$tmp/configtest.log"
fi
check "apache2 -M lists netexe_module" sh -c "apache2ctl -M -C 'Listen 127.0.0.1:$port' 2>/dev/null | grep -q netexe_module"

if ctl -k start >"$tmp/start.log" 2>&1; then
    started=1
else
    fail "apache2ctl -k start"
    sed 's/^/    /' "$tmp/start.log"
fi
answered=0
for ((i = 0; started == 1 && i < START_TIMEOUT * 10; i++)); do
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
        answered=1
        break
    fi
    sleep 0.1
done
if [ "$answered" = 1 ]; then
    pass "apache2 (stock configuration) answers on 127.0.0.1:$port"
else
    fail "apache2 (stock configuration) answers on 127.0.0.1:$port"
    [ -f "$LOG_DIR/error.log" ] && tail -n 20 "$LOG_DIR/error.log" | sed 's/^/    /'
fi
if [ "$port80_was_free" = 1 ]; then
    check "apache2 does not listen on port 80" \
        sh -c "! (exec 3<>/dev/tcp/127.0.0.1/80) 2>/dev/null"
fi

# expect_disposition FILE EXPECTED: EXPECTED is the whole header line
# without CR, or "" for no Content-Disposition at all.
expect_disposition() {
    local file=$1 expected=$2 got count status
    status=$(curl -sS --max-time 10 -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}' \
             "http://127.0.0.1:$port$URL_PREFIX/$file")
    got=$(tr -d '\r' <"$tmp/headers" | grep -i '^Content-Disposition:')
    count=$(tr -d '\r' <"$tmp/headers" | grep -ci '^Content-Disposition:')
    if [ "$status" = 200 ] && [ "$got" = "$expected" ] && \
       { [ -z "$expected" ] || [ "$count" = 1 ]; }; then
        pass "GET $file: ${expected:-no Content-Disposition}"
    else
        fail "GET $file: want status 200 and '${expected:-no Content-Disposition}', got $status and '$got'"
    fi
    check "GET $file: body unchanged" cmp -s "$tmp/body" "$www/$file"
}

if [ "$answered" = 1 ]; then
    expect_disposition managed.exe 'Content-Disposition: attachment; filename="managed.exe"'
    expect_disposition setup 'Content-Disposition: attachment; filename="setup.exe"'
    expect_disposition native.exe ''
    expect_disposition readme.txt ''
fi

# --- stop, purge, and compare
cleanup
check "apache2 is stopped" sh -c "! { [ -s '$PID_FILE' ] && kill -0 \$(cat '$PID_FILE'); } 2>/dev/null"
check "$PORTS_CONF restored" cmp -s "$tmp/ports.conf.orig" "$PORTS_CONF"
check "$PKG is purged" \
    sh -c "! dpkg-query -W -f='\${Status}' $PKG 2>/dev/null | grep -q 'installed\|config-files'"
check "$MODULE_SO is gone" test ! -e "$MODULE_SO"
snapshot >"$tmp/after"
if diff -u "$tmp/before" "$tmp/after" >"$tmp/state.diff"; then
    pass "/etc/apache2 and /var/lib/apache2 are as they were"
else
    fail "/etc/apache2 and /var/lib/apache2 are as they were"
    sed 's/^/    /' "$tmp/state.diff"
fi

echo "check-deb: $passed passed, $failed failed"
exit $((failed > 125 ? 125 : failed))
