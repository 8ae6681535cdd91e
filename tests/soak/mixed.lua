-- Copyright 2026 The mod_netexe Authors.
-- Licensed under the Apache License, Version 2.0 (the "License"); you may
-- not use this file except in compliance with the License.  You may obtain
-- a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
--
-- wrk script of make soak (tests/soak/soak.sh): each connection cycles
-- through the mixed paths, and every response is checked as it arrives.
-- wrk does not say which request a response answers, so the body's length
-- tells: the CLR image (static, CGI or proxied) must carry exactly the
-- expected Content-Disposition, the native image and the HTML page none.
-- Environment: SOAK_CLR_LEN, SOAK_NATIVE_LEN, SOAK_HTML_LEN (bytes);
-- SOAK_BASELINE=1: NetExe Off, no header on any response.

local paths = {
    "/dl/clr.exe", "/dl/native.exe", "/index.html", "/px/dl/clr.exe",
    "/dl/clr.exe", "/px/dl/native.exe", "/index.html", "/cgi-bin/dl",
}
local want = 'attachment; filename="clr.exe"'
local want_cgi = 'attachment; filename="dl.exe"'
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    clr_len = tonumber(os.getenv("SOAK_CLR_LEN"))
    native_len = tonumber(os.getenv("SOAK_NATIVE_LEN"))
    html_len = tonumber(os.getenv("SOAK_HTML_LEN"))
    baseline = os.getenv("SOAK_BASELINE") == "1"
    n = 0
    bad = 0
    clr = 0
    first_bad = ""
end

function request()
    n = n + 1
    return wrk.format("GET", paths[(n % #paths) + 1])
end

function response(status, headers, body)
    local cd = headers["Content-Disposition"]
    local len = #body
    local ok
    if status ~= 200 then
        ok = false
    elseif len == clr_len then
        clr = clr + 1
        if baseline then
            ok = (cd == nil)
        else
            ok = (cd == want or cd == want_cgi)
        end
    elseif len == native_len or len == html_len then
        ok = (cd == nil)
    else
        ok = false
    end
    if not ok then
        bad = bad + 1
        if first_bad == "" then
            first_bad = string.format("status %d, %d bytes, Content-Disposition %s",
                                      status, len, tostring(cd))
        end
    end
end

function done(summary, latency, requests)
    local total_bad, total_clr = 0, 0
    local first = ""
    for _, t in ipairs(threads) do
        total_bad = total_bad + t:get("bad")
        total_clr = total_clr + t:get("clr")
        if first == "" then first = t:get("first_bad") end
    end
    io.write(string.format("soak-lua: %d responses checked (%d CLR bodies), %d wrong%s\n",
                           summary.requests, total_clr, total_bad,
                           first ~= "" and (" (first: " .. first .. ")") or ""))
end
