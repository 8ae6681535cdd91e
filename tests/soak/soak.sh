#!/bin/bash
# Copyright 2026 The mod_netexe Authors.
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License.  You may obtain
# a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
#
# make soak: one apache2 (event MPM) with mod_netexe on 127.0.0.1 under
# SOAK_SECONDS of mixed load from wrk at SOAK_CONNECTIONS connections:
# a CLR image, a native image and an HTML page as static files, the CLR
# image from a CGI script and both images through mod_proxy_http from a
# second listener of the same server.  Meanwhile
#   - wrk's Lua script (mixed.lua) checks every response's header by body
#     length;
#   - a curl loop (at most SOAK_PROBES rounds) checks status, header and
#     SHA-256 of the body of each kind of response under load;
#   - the RSS of the server's children is summed every second.
# Fails on any socket error, non-2xx answer, wrong header or body, or a
# child that died of a signal.  Reports requests/s and the RSS drift
# between the second ten seconds of load and the last ten (goal: under
# 5%; the first ten seconds are the children's warm-up).
#
# SOAK_BASELINE=1 runs the same load with "NetExe Off" (no header
# expected anywhere), to tell the module's share of a drift from httpd's.
#
# Usage: tests/soak/soak.sh MODULE FIXTURE_TOOL WORKDIR
set -u
if [ $# -ne 3 ]; then
    echo "usage: $0 MODULE FIXTURE_TOOL WORKDIR" >&2
    exit 2
fi
module=$(realpath "$1") fixtures=$(realpath "$2") work=$3
secs=${SOAK_SECONDS:-60}
conns=${SOAK_CONNECTIONS:-128}
wrk_threads=${SOAK_THREADS:-2}
probes=${SOAK_PROBES:-2000}
apache2=${HARNESS_APACHE2:-/usr/sbin/apache2}
moddir=${HARNESS_MODDIR:-/usr/lib/apache2/modules}
here=$(cd "$(dirname "$0")" && pwd)
start_wait=150                      # x 0.1 s for the first answer
rss_goal=5                          # percent

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

rm -rf "$work"
mkdir -p "$work" || exit 2
root=$(mktemp -d "${TMPDIR:-/tmp}/netexe-soak-XXXXXX") || exit 2
chmod 755 "$root"
mkdir -p "$root"/{conf,logs,run,htdocs/dl,htdocs/cgi} && chmod -R 755 "$root"
"$fixtures" "$root/htdocs/dl" || exit 2
chmod 644 "$root"/htdocs/dl/*
head -c 20000 /dev/zero | tr '\0' 'x' | sed 's/^/<!doctype html><title>soak<\/title><p>/' \
    > "$root/htdocs/index.html"
cat > "$root/htdocs/cgi/dl" <<EOF
#!/bin/sh
printf 'Content-Type: application/x-msdownload\r\n\r\n'
exec cat "$root/htdocs/dl/clr.exe"
EOF
chmod 755 "$root/htdocs/cgi/dl"
chmod 644 "$root/htdocs/index.html"

netexe=On
[ "${SOAK_BASELINE:-0}" = 1 ] && netexe=Off
export SOAK_BASELINE=${SOAK_BASELINE:-0}
port=$(free_port)
backend=$(free_port)
while [ "$backend" = "$port" ]; do backend=$(free_port); done

# 128 connections, each proxied request holding a front and a backend
# worker: 4 processes x 64 threads leave room for both and for the probes.
cat > "$root/conf/httpd.conf" <<EOF
ServerRoot "$root"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
Listen 127.0.0.1:$backend
PidFile "$root/run/httpd.pid"
DefaultRuntimeDir "$root/run"
ErrorLog "$root/logs/error.log"
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module "$moddir/mod_mpm_event.so"
LoadModule authz_core_module "$moddir/mod_authz_core.so"
LoadModule mime_module "$moddir/mod_mime.so"
LoadModule alias_module "$moddir/mod_alias.so"
LoadModule cgid_module "$moddir/mod_cgid.so"
LoadModule proxy_module "$moddir/mod_proxy.so"
LoadModule proxy_http_module "$moddir/mod_proxy_http.so"
LoadModule netexe_module "$module"
TypesConfig /etc/mime.types
AddType application/x-msdownload .exe
EnableSendfile On
KeepAlive On
MaxKeepAliveRequests 0
ListenBacklog 1024
Timeout 30
StartServers 4
ServerLimit 4
ThreadLimit 64
ThreadsPerChild 64
MaxRequestWorkers 256
MinSpareThreads 32
MaxSpareThreads 256
MaxConnectionsPerChild 0
DocumentRoot "$root/htdocs"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "$root/htdocs">
    AllowOverride None
    Require all granted
</Directory>
ScriptAlias /cgi-bin/ "$root/htdocs/cgi/"
<Directory "$root/htdocs/cgi">
    Options +ExecCGI
</Directory>
<VirtualHost 127.0.0.1:$port>
    NetExe $netexe
    ProxyPass /px/ http://127.0.0.1:$backend/
</VirtualHost>
<VirtualHost 127.0.0.1:$backend>
    NetExe Off
</VirtualHost>
EOF

cleanup() {
    if [ -n "${ppid_httpd:-}" ]; then
        "$apache2" -f "$root/conf/httpd.conf" -k stop >/dev/null 2>&1
        for _ in $(seq 50); do kill -0 "$ppid_httpd" 2>/dev/null || break; sleep 0.1; done
    fi
    [ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null
    [ -n "${prober:-}" ] && kill "$prober" 2>/dev/null
    cp "$root/logs/error.log" "$work/error.log" 2>/dev/null
    [ "${SOAK_KEEP:-0}" = 1 ] || rm -rf "$root"
}
trap cleanup EXIT

"$apache2" -f "$root/conf/httpd.conf" -k start > "$work/apache2.out" 2>&1 || {
    cat "$work/apache2.out"; exit 1; }
for _ in $(seq $start_wait); do
    ppid_httpd=$(cat "$root/run/httpd.pid" 2>/dev/null)
    curl -s -o /dev/null --noproxy '*' "http://127.0.0.1:$port/index.html" && [ -n "$ppid_httpd" ] && break
    sleep 0.1
done
[ -n "${ppid_httpd:-}" ] || { echo "soak: apache2 did not start"; cat "$root/logs/error.log"; exit 1; }

sha() { sha256sum "$1" | cut -d' ' -f1; }
clr_sha=$(sha "$root/htdocs/dl/clr.exe")
native_sha=$(sha "$root/htdocs/dl/native.exe")
html_sha=$(sha "$root/htdocs/index.html")
export SOAK_CLR_LEN=$(stat -c %s "$root/htdocs/dl/clr.exe")
export SOAK_NATIVE_LEN=$(stat -c %s "$root/htdocs/dl/native.exe")
export SOAK_HTML_LEN=$(stat -c %s "$root/htdocs/index.html")

# RSS of the children (kB, summed), once a second while wrk runs.
(
    for _ in $(seq "$secs"); do
        ps --ppid "$ppid_httpd" -o rss= 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
        sleep 1
    done
) > "$work/rss.txt" &
sampler=$!

# Probes under load: PATH SHA DISPOSITION ("-": none), one round after
# another until wrk is done or SOAK_PROBES rounds.
(
    fails=0 rounds=0
    while [ $rounds -lt "$probes" ] && [ ! -e "$work/wrk.done" ]; do
        rounds=$((rounds + 1))
        while read -r path want_sha want_cd; do
            out=$(curl -s --noproxy '*' --max-time 20 -D "$work/probe.head" \
                  "http://127.0.0.1:$port$path" | sha256sum | cut -d' ' -f1)
            status=$(head -n 1 "$work/probe.head" | cut -d' ' -f2)
            cds=$(grep -ci '^Content-Disposition:' "$work/probe.head")
            cd=$(grep -i '^Content-Disposition:' "$work/probe.head" | tr -d '\r' | sed 's/^[^:]*: //')
            [ "$SOAK_BASELINE" = 1 ] && want_cd=-
            if [ "$status" != 200 ] || [ "$out" != "$want_sha" ] \
               || { [ "$want_cd" = - ] && [ "$cds" != 0 ]; } \
               || { [ "$want_cd" != - ] && { [ "$cds" != 1 ] || [ "$cd" != "attachment; filename=\"$want_cd\"" ]; }; }; then
                fails=$((fails + 1))
                echo "probe $path: status $status, sha $out, $cds Content-Disposition [$cd]" >> "$work/probe-failures.txt"
            fi
        done <<EOF
/dl/clr.exe $clr_sha clr.exe
/dl/native.exe $native_sha -
/index.html $html_sha -
/cgi-bin/dl $clr_sha dl.exe
/px/dl/clr.exe $clr_sha clr.exe
/px/dl/native.exe $native_sha -
EOF
    done
    echo "$rounds $fails" > "$work/probes.txt"
) &
prober=$!

wrk -t"$wrk_threads" -c"$conns" -d"${secs}s" --timeout 20s -s "$here/mixed.lua" \
    "http://127.0.0.1:$port/" > "$work/wrk.txt" 2>&1
wrk_rc=$?
touch "$work/wrk.done"
wait "$prober"; prober=
wait "$sampler"; sampler=
cat "$work/wrk.txt"

rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.txt")
requests=$(awk '/requests in/ { print $1 }' "$work/wrk.txt")
sock_errors=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $5 }' "$work/wrk.txt")
lua_bad=$(sed -n 's/.* \([0-9]*\) wrong.*/\1/p' "$work/wrk.txt")
read -r probe_rounds probe_fails < "$work/probes.txt"
crashes=$(grep -c -E 'exit signal|Segmentation fault' "$root/logs/error.log")

# Drift: the mean of the last ten samples against the mean of seconds
# 10-19 (runs shorter than 30 s: against the second sample).
read -r rss2 rss_last drift < <(awk '
    function mean(a, b,   i, s) { s = 0; for (i = a; i <= b; i++) s += v[i]; return s / (b - a + 1) }
    { v[NR] = $1 }
    END {
        n = NR
        base = n >= 30 ? mean(11, 20) : v[2]
        last = mean(n > 10 ? n - 9 : 1, n)
        printf "%d %d %.2f\n", base, last, (base > 0 ? (last - base) * 100 / base : 0)
    }' "$work/rss.txt")
drift_ok=$(awk -v d="$drift" -v g="$rss_goal" 'BEGIN { print (d < g && d > -g) ? "met" : "NOT met" }')

echo "soak: ${secs} s, ${conns} connections: ${requests:-?} requests, ${rps:-?} requests/s," \
     "socket errors ${sock_errors:-0}, non-2xx ${non2xx:-0}, wrong responses ${lua_bad:-?}"
echo "soak: probes under load: $probe_rounds rounds of 6, $probe_fails failed"
echo "soak: NetExe $netexe; children RSS ${rss2} kB (mean of seconds 10-19), ${rss_last} kB (last 10 s): drift ${drift}% (goal < ${rss_goal}%: ${drift_ok})"
echo "soak: RSS samples (kB): $(tr '\n' ' ' < "$work/rss.txt")"
echo "soak: crashes in the error log: $crashes"
[ -s "$work/probe-failures.txt" ] && head -n 5 "$work/probe-failures.txt"

[ "$wrk_rc" = 0 ] && [ "${sock_errors:-0}" = 0 ] && [ "${non2xx:-0}" = 0 ] \
    && [ "${lua_bad:-1}" = 0 ] && [ "$probe_fails" = 0 ] && [ "$crashes" = 0 ]
