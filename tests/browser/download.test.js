// Copyright 2026 The mod_netexe Authors.
// Licensed under the Apache License, Version 2.0 (the "License"); you may
// not use this file except in compliance with the License.  You may obtain
// a copy of the License at http://www.apache.org/licenses/LICENSE-2.0

// download.test.js -- what a real browser does with mod_netexe's header.
//
// A headless Chromium, driven over the DevTools protocol
// (chrome-remote-interface), downloads from a real apache2 with the built
// module on 127.0.0.1 (browser_server.c).  The browser saves every file
// itself (Browser.setDownloadBehavior "allow" into a fresh folder), so the
// name on disk is the one Chromium derived from the response: from
// Content-Disposition when the module sent one, from the URL otherwise.
// Each case asserts the saved name, that nothing else was saved, and that
// the saved bytes are the image served (SHA-256).
//
// What Chromium (156, Debian 12) does here: it prefers filename* to the
// ASCII filename ("________.exe" is what a client without RFC 8187 would
// save); without Content-Disposition it names the file after the URL's
// last segment, query string dropped, adding no extension for
// application/octet-stream; and it saves .exe and .dll files from
// http://127.0.0.1 without holding them back as dangerous, headless with
// downloads allowed over DevTools, so the native EXE case runs as well.
//
// Environment (set by tests/browser/browser.mk): NETEXE_MODULE (the built
// mod_netexe.so, for the server), NETEXE_BROWSER_SERVER (the built
// browser_server), CHROMIUM (default /usr/bin/chromium), BROWSER_KEEP=1
// keeps the download folder and the browser profile.
//
// Where Chromium is missing every case is skipped with a message, and the
// run succeeds.

'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SERVER = process.env.NETEXE_BROWSER_SERVER || '';

// Bounds of every wait.
const SERVER_START_MS = 30000;     // browser_server until apache2 answers
const BROWSER_START_MS = 30000;    // chromium until DevTools listens
const DOWNLOAD_MS = 20000;         // one download, start to completed
const CASE_MS = 45000;             // one test case as a whole
const EXIT_MS = 10000;             // a child to exit once asked
const LOG_TAIL_BYTES = 4096;       // of a log shown on failure

// Chromium's own switches for an unattended run: no sandbox (we are
// root), no GPU, and nothing that talks to anything but 127.0.0.1.
const CHROMIUM_ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0',
];

// What the browser must save for each URL.  header: whether the module
// sends Content-Disposition (checked with a plain request, so that a wrong
// name says which side is at fault).
const CASES = [
    {
        what: 'CLR EXE from a CGI script at an extensionless URL is saved as get.exe',
        path: '/cgi-bin/get?id=1', saved: 'get.exe', header: true,
    },
    {
        what: 'CLR EXE under a Cyrillic name without extension is saved under the filename* name',
        path: '/dl/програма', saved: 'програма.exe', header: true,
    },
    {
        what: 'CLR DLL under a CJK name is saved with the image\'s extension appended',
        path: '/dl/工具.bin', saved: '工具.bin.dll', header: true,
    },
    {
        what: 'native EXE gets no header and is saved under its URL name',
        path: '/dl/native.exe', saved: 'native.exe', header: false,
    },
    {
        what: 'the same CGI script without the module is saved without .exe (control)',
        path: '/cgi-off/get?id=1', saved: 'get', header: false,
    },
];

const skipReason = fs.existsSync(CHROMIUM)
    ? (SERVER === '' ? 'NETEXE_BROWSER_SERVER is not set (run make check-browser)' : null)
    : `${CHROMIUM} is not installed (make check-browser installs it)`;
if (skipReason !== null)
    console.log(`SKIPPED: browser download test: ${skipReason}`);

const state = {
    server: null,       // the browser_server child
    info: null,         // its JSON line: port, root, docroot, files
    chromium: null,     // the chromium child (its own process group)
    chromiumErr: '',    // the tail of chromium's stderr
    cdp: null,          // DevTools client on the browser target
    profile: null,      // HOME of the browser, with its --user-data-dir
    downloads: null,    // the download folder
};

function tail(text) {
    return text.length > LOG_TAIL_BYTES ? text.slice(-LOG_TAIL_BYTES) : text;
}

function readTail(file) {
    try {
        return tail(fs.readFileSync(file, 'utf8'));
    } catch (e) {
        return `(${e.code})`;
    }
}

function serverLogs() {
    if (state.info === null)
        return '';
    const logs = path.join(state.info.root, 'logs');
    return `--- apache2 error.log\n${readTail(path.join(logs, 'error.log'))}\n` +
           `--- apache2 access.log\n${readTail(path.join(logs, 'access.log'))}`;
}

function sha256(file) {
    return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// Resolves with the first match of re in the child's stream, rejects when
// the child exits first or ms pass.
function waitForOutput(child, stream, re, ms, what) {
    return new Promise((resolve, reject) => {
        let seen = '';
        const done = (fn, arg) => {
            clearTimeout(timer);
            stream.removeListener('data', onData);
            child.removeListener('exit', onExit);
            fn(arg);
        };
        const onData = (chunk) => {
            seen = tail(seen + chunk);
            const m = re.exec(seen);
            if (m !== null)
                done(resolve, m);
        };
        const onExit = (code, signal) =>
            done(reject, new Error(`${what} exited (${signal || code}) before it was ready:\n${seen}`));
        const timer = setTimeout(
            () => done(reject, new Error(`${what} not ready within ${ms} ms:\n${seen}`)), ms);
        stream.on('data', onData);
        child.once('exit', onExit);
    });
}

// Waits up to ms for a child to exit; true when it did.
function waitExit(child, ms) {
    if (child.exitCode !== null || child.signalCode !== null)
        return Promise.resolve(true);
    return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        child.once('exit', () => {
            clearTimeout(timer);
            resolve(true);
        });
    });
}

async function startServer() {
    const child = spawn(SERVER, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    state.server = child;
    const m = await waitForOutput(child, child.stdout, /^(\{.*\})\n/m, SERVER_START_MS,
                                  'browser_server');
    state.info = JSON.parse(m[1]);
}

async function startBrowser() {
    const CDP = require('chrome-remote-interface');

    state.profile = fs.mkdtempSync(path.join(os.tmpdir(), 'netexe-chromium-profile-'));
    state.downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'netexe-chromium-downloads-'));
    // The process group of its own lets teardown end the browser and every
    // helper process it started, by the group's id.
    // HOME and the XDG folders point into the temporary folder too, so
    // that nothing (crash reports, caches) lands in the user's own.
    const env = {
        ...process.env,
        HOME: state.profile,
        XDG_CONFIG_HOME: path.join(state.profile, '.config'),
        XDG_CACHE_HOME: path.join(state.profile, '.cache'),
    };
    const child = spawn(CHROMIUM, [...CHROMIUM_ARGS, `--user-data-dir=${path.join(state.profile, 'profile')}`,
                                   'about:blank'],
                        { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env });
    state.chromium = child;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => { state.chromiumErr = tail(state.chromiumErr + chunk); });
    const m = await waitForOutput(child, child.stderr, /DevTools listening on (ws:\/\/\S+)/,
                                  BROWSER_START_MS, 'chromium');
    state.cdp = await CDP({ target: m[1] });
    await state.cdp.send('Browser.setDownloadBehavior', {
        behavior: 'allow',
        downloadPath: state.downloads,
        eventsEnabled: true,
    });
}

// Opens url in a new tab and waits for the download it starts to finish.
// Resolves with Chromium's view of it: the name it suggested, the path it
// saved to and the final state.
function download(url) {
    const cdp = state.cdp;
    return new Promise((resolve, reject) => {
        let guid = null;
        let suggested = null;
        const events = [];
        const done = (fn, arg) => {
            clearTimeout(timer);
            cdp.removeListener('Browser.downloadWillBegin', onBegin);
            cdp.removeListener('Browser.downloadProgress', onProgress);
            fn(arg);
        };
        const onBegin = (p) => {
            events.push(`downloadWillBegin ${p.url} -> ${p.suggestedFilename}`);
            if (p.url === url) {
                guid = p.guid;
                suggested = p.suggestedFilename;
            }
        };
        const onProgress = (p) => {
            if (p.guid !== guid || p.state === 'inProgress')
                return;
            events.push(`downloadProgress ${p.state}`);
            done(resolve, { state: p.state, suggested, filePath: p.filePath });
        };
        const timer = setTimeout(() => done(reject, new Error(
            `no finished download of ${url} within ${DOWNLOAD_MS} ms (did the browser ` +
            `display it instead?); events: ${events.join('; ') || 'none'}`)), DOWNLOAD_MS);
        cdp.on('Browser.downloadWillBegin', onBegin);
        cdp.on('Browser.downloadProgress', onProgress);
        // A tab whose navigation turns into a download is closed by
        // Chromium itself, so the tab is not closed here.
        cdp.send('Target.createTarget', { url }).catch((e) => done(reject, e));
    });
}

before(async () => {
    if (skipReason !== null)
        return;
    await startServer();
    await startBrowser();
});

after(async () => {
    if (state.cdp !== null) {
        let timer;
        await Promise.race([
            state.cdp.send('Browser.close').catch(() => {}),
            new Promise((resolve) => { timer = setTimeout(resolve, EXIT_MS); }),
        ]);
        clearTimeout(timer);
        await state.cdp.close().catch(() => {});
    }
    if (state.chromium !== null && !(await waitExit(state.chromium, EXIT_MS))) {
        try {
            process.kill(-state.chromium.pid, 'SIGKILL');
        } catch (e) {
            if (e.code !== 'ESRCH')
                throw e;
        }
    }
    // End of file on its stdin makes browser_server stop apache2 and
    // remove the server's directory.
    if (state.server !== null) {
        state.server.stdin.end();
        if (!(await waitExit(state.server, EXIT_MS)))
            console.error(`browser_server (pid ${state.server.pid}) did not exit`);
    }
    if (process.env.BROWSER_KEEP === '1') {
        console.log(`kept: downloads ${state.downloads}, profile ${state.profile}`);
        return;
    }
    for (const dir of [state.downloads, state.profile])
        if (dir !== null)
            fs.rmSync(dir, { recursive: true, force: true });
});

for (const c of CASES) {
    test(c.what, { skip: skipReason ?? false, timeout: CASE_MS }, async (t) => {
        const url = new URL(c.path, `http://127.0.0.1:${state.info.port}`).href;
        const served = path.join(state.info.docroot, state.info.files[c.path]);
        const want = sha256(served);
        try {
            // What the server sends, outside the browser.
            const res = await fetch(url);
            await res.arrayBuffer();
            const disposition = res.headers.get('content-disposition');
            assert.equal(res.status, 200, `status of ${c.path}`);
            if (c.header)
                assert.match(disposition ?? '(none)', /^attachment; filename="/,
                             `Content-Disposition of ${c.path}`);
            else
                assert.equal(disposition, null, `Content-Disposition of ${c.path}`);

            const before = new Set(fs.readdirSync(state.downloads));
            const d = await download(url);
            assert.equal(d.state, 'completed', `download of ${c.path}`);
            const added = fs.readdirSync(state.downloads).filter((f) => !before.has(f));
            t.diagnostic(`${c.path}: Content-Disposition ${disposition ?? '(none)'}`);
            t.diagnostic(`${c.path}: suggested ${d.suggested}, saved ${JSON.stringify(added)}`);
            assert.deepEqual(added, [c.saved], `files saved for ${c.path}`);
            assert.equal(d.suggested, c.saved, `name Chromium suggested for ${c.path}`);
            assert.equal(d.filePath, path.join(state.downloads, c.saved),
                         `path Chromium reported for ${c.path}`);
            const got = sha256(path.join(state.downloads, c.saved));
            t.diagnostic(`${c.path}: ${c.saved} sha256 ${got} (served ${want})`);
            assert.equal(got, want, `SHA-256 of ${c.saved} against ${state.info.files[c.path]}`);
        } catch (e) {
            t.diagnostic(serverLogs());
            t.diagnostic(`--- chromium stderr\n${state.chromiumErr}`);
            throw e;
        }
    });
}
