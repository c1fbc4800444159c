// ui.test.mjs - the web UI in a real headless Chromium against the real
// stack started by run.sh (lighttpd + ember-fcgi + ember-workers + PG).
//
// Environment (run.sh sets it): EMBER_BASE_URL, EMBER_TEST_KEY,
// EMBER_STORE_ROOT (fs object store), PG* (psql), EMBER_ARTIFACTS,
// EMBER_CHROMIUM.  `node ui.test.mjs --list` prints the test names.
//
// Data goes in through the agent endpoints (heartbeat, gzip upload), the
// workers index it, and each check is a TAP line "ok N - name".

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import assert from 'node:assert/strict';

const BASE = process.env.EMBER_BASE_URL;
const KEY = process.env.EMBER_TEST_KEY;
const STORE = process.env.EMBER_STORE_ROOT;
const ART = process.env.EMBER_ARTIFACTS || path.resolve('artifacts');
const CHROMIUM = process.env.EMBER_CHROMIUM || '/usr/bin/chromium';
const TZ = 'Asia/Kolkata';	// UTC+05:30, no DST: local time is provably not UTC
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--no-first-run', '--disable-background-networking', '--disable-component-update',
	'--disable-sync'];

const HOSTS = [
	{ service: 'checkout', host: 'web-1', ip: '10.1.0.1' },
	{ service: 'checkout', host: 'web-2', ip: '10.1.0.2' },
	{ service: 'checkout', host: 'web-3', ip: '10.1.0.3' },
	{ service: 'search', host: 'idx-1', ip: '10.2.0.1' },
	{ service: 'search', host: 'idx-2', ip: '10.2.0.2' },
];

// The flamegraphs uploaded, minutes before now.  A is deleted from the
// store afterwards; X is hostile.
const T0 = Date.now();
const FG = {
	A: { service: 'checkout', host: 'web-1', ago: 50, events: 'cycles', marker: 'FG-A web-1' },
	B: { service: 'checkout', host: 'web-1', ago: 30, events: 'cycles', marker: 'FG-B web-1' },
	C: { service: 'checkout', host: 'web-2', ago: 20, events: 'cycles,cache-misses', marker: 'FG-C web-2' },
	X: { service: 'checkout', host: 'web-3', ago: 10, events: 'cycles', marker: 'FG-X web-3' },
	D: { service: 'search', host: 'idx-1', ago: 15, events: 'cycles', marker: 'FG-D idx-1' },
};

const SECRET_COOKIE = 'cookie-s3cr3t-4f1d';
const SECRET_LS = 'storage-s3cr3t-9a2b';

// ---- helpers ----

const naive = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, '');

function psql(sql) {
	return execFileSync('psql', ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql],
		{ encoding: 'utf8' }).trim();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function post(p, body, headers = {}) {
	const res = await fetch(BASE + p, { method: 'POST', body,
		headers: { 'Content-Type': 'application/json', ...headers } });
	const text = await res.text();
	let json = null;
	try {
		json = JSON.parse(text);
	} catch (e) { /* not JSON */ }
	return { status: res.status, text, json };
}

function heartbeat(h, extra = {}) {
	return post('/api/metrics/heartbeat', JSON.stringify({
		ip_address: h.ip, hostname: h.host, service_name: h.service, status: 'active',
		timestamp: naive(Date.now()), received_command_ids: [], executed_command_ids: [], ...extra,
	}), { Authorization: `Bearer ${KEY}` });
}

function flamegraphHtml(f) {
	const bars = [90, 62, 40, 18].map((w, i) =>
		`<div style="height:18px;margin:1px 0;width:${w}%;background:hsl(${20 + i * 12},80%,60%)">frame_${i}</div>`).join('');
	const probe = f.probe ? `<pre id="probe">pending</pre><script>${PROBE}</script>` : '';
	return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>gProfiler Result ${naive(T0 - f.ago * 60e3)}</title></head>` +
		`<body style="font:13px sans-serif"><h1 id="marker">${f.marker}</h1>${bars}${probe}</body></html>`;
}

// The hostile flamegraph's script: every way out of the sandbox it can
// think of, each outcome recorded in its own DOM and posted to the parent.
const PROBE = `
(async function () {
	var r = {};
	function t(name, fn) {
		try { var v = fn(); r[name] = 'LEAK:' + String(v).slice(0, 300); }
		catch (e) { r[name] = 'blocked:' + (e && e.name || e); }
	}
	t('parent_dom', function () { return parent.document.body.innerHTML; });
	t('top_dom', function () { return top.document.title; });
	t('parent_cookie', function () { return parent.document.cookie; });
	t('own_cookie', function () { return document.cookie; });
	t('local_storage', function () { return localStorage.getItem('ember_secret'); });
	t('parent_local_storage', function () { return parent.localStorage.getItem('ember_secret'); });
	t('session_storage', function () { return sessionStorage.length; });
	t('parent_function', function () { return parent.fetch.toString(); });
	t('popup', function () { var w = window.open('/?popup=1'); if (!w) throw { name: 'PopupBlocked' }; return 'opened'; });
	try {
		var a = await fetch('/api/services', { credentials: 'include' });
		r.api_get = 'LEAK:' + a.status + ':' + (await a.text()).slice(0, 200);
	} catch (e) { r.api_get = 'blocked:' + e.name; }
	try {
		var b = await fetch('/api/metrics/adhoc_flamegraphs?serviceName=checkout&startTime=2000-01-01T00:00:00Z&endTime=2100-01-01T00:00:00Z', { credentials: 'include' });
		r.api_list = 'LEAK:' + b.status + ':' + (await b.text()).slice(0, 200);
	} catch (e) { r.api_list = 'blocked:' + e.name; }
	try {
		var c = await fetch('/api/metrics/profile_request', { method: 'POST', credentials: 'include',
			body: JSON.stringify({ service_name: 'xss-probe', request_type: 'start', continuous: false,
				duration: 60, frequency: 11, profiling_mode: 'cpu', target_hosts: { 'web-3': null } }) });
		r.api_post = 'LEAK:' + c.status + ':' + (await c.text()).slice(0, 200);
	} catch (e) { r.api_post = 'blocked:' + e.name; }
	try {
		var x = new XMLHttpRequest();
		x.open('GET', '/api/services', false);
		x.withCredentials = false;
		x.send();
		r.api_xhr = 'LEAK:' + x.status + ':' + String(x.responseText).slice(0, 200);
	} catch (e) { r.api_xhr = 'blocked:' + e.name; }
	t('top_navigation', function () { top.location.href = '/index.html?pwned=1'; return 'navigated'; });
	r.origin = String(self.origin);
	r.done = true;
	document.getElementById('probe').textContent = JSON.stringify(r);
	try { parent.postMessage({ probe: r }, '*'); } catch (e) { }
})();`;
FG.X.probe = true;

function profileBody(f) {
	const start = T0 - f.ago * 60e3;
	const header = {
		containers: [], container_names_enabled: false,
		metadata: {
			hostname: f.host, agent_version: '1.53.1', cloud_provider: 'unknown', run_mode: 'standalone_executable',
			run_arguments: { continuous: false, duration: 60, frequency: 11, profiling_mode: 'cpu', flamegraph: true,
				perf_mode: 'fp', perf_events: f.events, service_name: f.service },
		},
		metrics: { cpu_avg: 8.8, mem_avg: 39.8 }, application_metadata: [null], application_metadata_enabled: true,
		profiling_mode: 'cpu', hwmetrics: null, htmlblob: null, flamegraph_html: flamegraphHtml(f),
	};
	return JSON.stringify({
		start_time: naive(start), end_time: naive(start + 60e3), hostname: f.host,
		profile: `# ${JSON.stringify(header)}\n0;;python3;main;foo 12\n0;;python3;main;bar 3`,
		cpu_avg: 8.8, mem_avg: 39.8, spawn_time: naive(start - 3600e3), gpid: '',
	});
}

async function upload(f) {
	const q = new URLSearchParams({ key: KEY, service: f.service, hostname: f.host,
		timestamp: naive(Date.now()), version: '1.53.1' });
	const res = await fetch(`${BASE}/api/v2/profiles?${q}`, {
		method: 'POST', body: zlib.gzipSync(profileBody(f)),
		headers: { 'GPROFILER-API-KEY': KEY, 'GPROFILER-SERVICE-NAME': f.service,
			'Content-Encoding': 'gzip', 'Content-type': 'application/json' },
	});
	return { status: res.status, text: await res.text() };
}

// browser(opts): a fresh Chromium with its own new user-data-dir.
const dirs = [];
process.on('exit', () => {
	for (const d of dirs)
		fs.rmSync(d, { recursive: true, force: true });
});
async function browser(opts = {}) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ember-chromium-'));
	dirs.push(dir);
	const ctx = await chromium.launchPersistentContext(dir, {
		executablePath: CHROMIUM, headless: true, args: ARGS, timezoneId: TZ,
		locale: 'en-US', viewport: { width: 1280, height: 800 }, acceptDownloads: true, ...opts,
	});
	ctx.setDefaultTimeout(10000);
	return ctx;
}

async function page(ctx) {
	const p = ctx.pages()[0] || await ctx.newPage();
	p.errors = [];
	p.on('pageerror', (e) => p.errors.push(e.message));
	return p;
}

async function hostRows(p) {
	return p.$$eval('#hosts-body tr', (trs) => trs.map((tr) => ({
		service: tr.cells[1].textContent, host: tr.cells[2].textContent,
		checked: tr.querySelector('input').checked, text: tr.textContent,
	})));
}

async function waitHosts(p, n) {
	await p.waitForFunction((k) => document.querySelectorAll('#hosts-body tr').length === k &&
		!document.getElementById('busy').classList.contains('on'), n);
}

async function fileRows(p) {
	return p.$$eval('#files-body tr', (trs) => trs.map((tr) => ({
		file: tr.dataset.file, removed: tr.classList.contains('removed'),
		cells: [...tr.cells].map((c) => c.textContent), selected: tr.getAttribute('aria-selected'),
		hasButton: !!tr.querySelector('button'), deco: getComputedStyle(tr.cells[0]).textDecorationLine,
	})));
}

async function waitFiles(p, n) {
	await p.waitForFunction((k) => document.querySelectorAll('#files-body tr').length === k &&
		!document.getElementById('busy').classList.contains('on'), n);
}

async function frameOf(p) {
	const el = await p.waitForSelector('#frame-box iframe');
	const fr = await el.contentFrame();
	await fr.waitForSelector('#marker');
	return { el, fr };
}

// ---- the tests ----

const S = {};		// state shared between tests
let ctx;

const TESTS = [
	['seed: heartbeats from 5 hosts in 2 services are accepted', async () => {
		for (const h of HOSTS) {
			const r = await heartbeat(h);
			assert.equal(r.status, 200, `${h.host}: ${r.text}`);
			assert.equal(r.json.success, true);
		}
	}],
	['seed: gzip profile uploads with flamegraph_html are accepted', async () => {
		for (const [k, f] of Object.entries(FG)) {
			const r = await upload(f);
			assert.equal(r.status, 200, `${k}: ${r.text}`);
		}
	}],
	['seed: the workers index every uploaded flamegraph', async () => {
		let n = 0;
		for (let i = 0; i < 150; i++) {
			n = Number(psql('select count(*) from AdhocFlamegraphMetadata'));
			if (n >= 5)
				break;
			await sleep(200);
		}
		assert.equal(n, 5, 'AdhocFlamegraphMetadata rows');
		for (const [k, f] of Object.entries(FG)) {
			f.key = psql(`select s3_key from AdhocFlamegraphMetadata where hostname = '${f.host}' ` +
				`order by start_time ${k === 'A' ? 'asc' : 'desc'} limit 1`);
			f.file = f.key.split('/').pop();
		}
		assert.notEqual(FG.A.file, FG.B.file);
	}],
	['seed: an object deleted from the store (A) and a completed ad hoc start (web-1)', async () => {
		// The fs store keeps the object at its key (dot-directories hold
		// its own metadata); a lifecycle rule would delete just that.
		const obj = path.join(STORE, FG.A.key);
		assert.ok(fs.existsSync(obj), `object ${obj}`);
		fs.unlinkSync(obj);
		const pr = await post('/api/metrics/profile_request', JSON.stringify({
			service_name: 'checkout', request_type: 'start', continuous: false, duration: 60, frequency: 11,
			profiling_mode: 'cpu', target_hosts: { 'web-1': null } }));
		assert.equal(pr.status, 200, pr.text);
		const hb = await heartbeat(HOSTS[0]);
		assert.ok(hb.json.command_id, `heartbeat gave a command: ${hb.text}`);
		const cc = await post('/api/metrics/command_completion', JSON.stringify({
			command_id: hb.json.command_id, hostname: 'web-1', status: 'completed', execution_time: 0 }),
		{ Authorization: `Bearer ${KEY}`, 'GPROFILER-API-KEY': KEY, 'GPROFILER-SERVICE-NAME': 'checkout' });
		assert.equal(cc.status, 200, cc.text);
		assert.equal(cc.json.success, true, cc.text);
		await heartbeat(HOSTS[0], { last_command_id: hb.json.command_id,
			received_command_ids: [hb.json.command_id], executed_command_ids: [hb.json.command_id] });
	}],
	['status page lists every host with "5 hosts found"', async () => {
		ctx = await browser();
		const p = S.p = await page(ctx);
		await p.goto(`${BASE}/`);
		await waitHosts(p, 5);
		const rows = await hostRows(p);
		assert.deepEqual(rows.map((r) => r.host).sort(), HOSTS.map((h) => h.host).sort());
		assert.match(await p.textContent('#count'), /^5 hosts found$/);
		const web1 = rows.find((r) => r.host === 'web-1');
		assert.match(web1.text, /start/);
		// the 60 s ad hoc run the agent just took: running until start + 60 s
		assert.match(web1.text, /running until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+05:30/);
		const hs = await (await fetch(`${BASE}/api/metrics/profiling/host_status?hostname=web-1`)).json();
		assert.deepEqual([hs[0].continuous, hs[0].duration], [false, 60]);
		assert.ok(Math.abs(Date.parse(hs[0].command_started_at) - Date.now()) < 30e3, hs[0].command_started_at);
		assert.deepEqual(p.errors, []);
	}],
	['util.js: zone-less server times are UTC; sizes, ages, URLs and errors format as shown', async () => {
		const r = await S.p.evaluate(async () => {
			const u = await import('/js/util.js');
			const iso = (s) => { const d = u.parseUtc(s); return d && d.toISOString(); };
			return {
				naive: iso('2026-03-11T10:00:00.123456'), z: iso('2026-03-11T10:00:00Z'),
				off: iso('2026-03-11T12:00:00+02:00'), off2: iso('2026-03-11T12:00:00+0200'),
				space: iso('2026-03-11 10:00:00'), bad: iso('nope'), empty: iso(''), nul: iso(null),
				kb: u.fmtSize(138), mb: u.fmtSize(20 * 1024 * 1024), na: u.fmtSize(null),
				local: u.fmtLocal(new Date('2026-03-11T10:00:00Z')), tz: u.tzLabel(),
				ago: u.fmtAgo(new Date(Date.now() - 125000)), future: u.fmtAgo(new Date(Date.now() + 60000)),
				url: u.apiUrl('/x', { a: 'b c&d', e: '', n: null, l: [1, 2] }),
				err: u.errText(new u.ApiError(422, 'Unprocessable Entity', 'duration: must be > 0')),
				net: u.errText(new u.ApiError(0, 'Network error', 'cannot reach the server')),
			};
		});
		assert.deepEqual(r, {
			naive: '2026-03-11T10:00:00.123Z', z: '2026-03-11T10:00:00.000Z',
			off: '2026-03-11T10:00:00.000Z', off2: '2026-03-11T10:00:00.000Z',
			space: '2026-03-11T10:00:00.000Z', bad: null, empty: null, nul: null,
			kb: '0.13 KB', mb: '20.00 MB', na: 'N/A',
			local: '2026-03-11 15:30:00', tz: 'UTC+05:30', ago: '2m ago', future: 'in the future',
			url: '/api/x?a=b+c%26d&l=1&l=2',
			err: 'Unprocessable Entity (422): duration: must be > 0',
			net: 'Network error: cannot reach the server',
		});
	}],
	['last heartbeat is shown in the viewer\'s local time (UTC+05:30), converted from UTC, zone shown', async () => {
		const p = S.p;
		const ts = psql("select to_char(heartbeat_timestamp, 'YYYY-MM-DD\"T\"HH24:MI:SS') from HostHeartbeats where hostname = 'idx-2'");
		const want = `${new Date(ts + 'Z').toLocaleString('sv-SE', { timeZone: TZ })} UTC+05:30`;
		const cell = await p.$eval('#hosts-body tr[data-key$="idx-2"] td:nth-child(8)', (td) => td.textContent);
		assert.ok(cell.startsWith(want), `cell "${cell}" starts with "${want}"`);
	}],
	['filters narrow the hosts and live in the URL (reload keeps them)', async () => {
		const p = S.p;
		await p.fill('#f-service', 'search');
		await p.press('#f-service', 'Enter');
		await waitHosts(p, 2);
		assert.deepEqual((await hostRows(p)).map((r) => r.service), ['search', 'search']);
		assert.match(p.url(), /[?&]service=search(&|$)/);
		assert.match(await p.textContent('#count'), /^2 hosts found$/);
		await p.reload();
		await waitHosts(p, 2);
		assert.equal(await p.inputValue('#f-service'), 'search');
		await p.fill('#f-service', '');
		await p.selectOption('#f-status', 'completed');
		await waitHosts(p, 1);
		assert.equal((await hostRows(p))[0].host, 'web-1');
		assert.match(p.url(), /[?&]status=completed/);
		await p.fill('#f-hostname', 'web-');
		await p.selectOption('#f-status', '');
		await waitHosts(p, 3);
		assert.match(p.url(), /hostname=web-/);
		await p.click('#clear-filters');
		await waitHosts(p, 5);
		assert.equal(new URL(p.url()).search, '');
	}],
	['sorting: the Host column sorts both ways and says so (aria-sort)', async () => {
		const p = S.p;
		const hosts = async () => (await hostRows(p)).map((r) => r.host);
		assert.deepEqual(await hosts(), ['idx-1', 'idx-2', 'web-1', 'web-2', 'web-3']);
		await p.click('th[data-key="hostname"] button');
		assert.deepEqual(await hosts(), ['web-3', 'web-2', 'web-1', 'idx-2', 'idx-1']);
		assert.equal(await p.getAttribute('th[data-key="hostname"]', 'aria-sort'), 'descending');
		await p.click('th[data-key="service_name"] button');
		assert.deepEqual((await hostRows(p)).map((r) => r.service),
			['checkout', 'checkout', 'checkout', 'search', 'search']);
		assert.match(p.url(), /sort=service_name/);
		await p.goto(`${BASE}/`);
		await waitHosts(p, 5);
	}],
	['selection survives the 30 s auto-refresh and the layout does not move', async () => {
		const p = S.p;
		await p.clock.install();
		await p.goto(`${BASE}/`);
		await waitHosts(p, 5);
		await p.check('#hosts-body tr[data-key$="web-2"] input');
		assert.equal(await p.textContent('#start'), 'Start (1)');
		const box = await p.$eval('#hosts', (t) => JSON.stringify(t.getBoundingClientRect()));
		let calls = 0;
		p.on('request', (r) => { if (r.url().includes('/host_status')) calls++; });
		const seen = p.waitForResponse((r) => r.url().includes('/host_status'));
		await p.clock.runFor(30500);
		await seen;
		await waitHosts(p, 5);
		assert.ok(calls >= 1, 'auto-refresh fetched host_status');
		assert.equal(await p.isChecked('#hosts-body tr[data-key$="web-2"] input'), true);
		assert.equal(await p.textContent('#start'), 'Start (1)');
		assert.equal(await p.$eval('#hosts', (t) => JSON.stringify(t.getBoundingClientRect())), box);
	}],
	['continuous mode fixes the duration at 60 s; ad hoc mode unlocks it; bad values block Start', async () => {
		const p = S.p;
		assert.equal(await p.isDisabled('#duration'), true);
		assert.equal(await p.inputValue('#duration'), '60');
		await p.check('input[name="mode"][value="adhoc"]');
		assert.equal(await p.isDisabled('#duration'), false);
		await p.fill('#frequency', '5000');
		assert.equal(await p.isDisabled('#start'), true);
		assert.match(await p.textContent('#frequency-err'), /1–1000/);
		await p.fill('#frequency', '11');
		assert.equal(await p.isDisabled('#start'), false);
		await p.check('input[name="mode"][value="continuous"]');
	}],
	['Start in Ad Hoc mode: confirm dialog, one upstream-shaped profile_request per service, rows in the DB', async () => {
		const p = S.p;
		const bodies = [];
		p.on('request', (r) => {
			if (r.url().endsWith('/api/metrics/profile_request') && r.method() === 'POST')
				bodies.push(r.postDataJSON());
		});
		await p.check('#hosts-body tr[data-key$="idx-1"] input');
		assert.equal(await p.textContent('#start'), 'Start (2)');
		await p.check('input[name="mode"][value="adhoc"]');
		await p.fill('#duration', '90');
		await p.click('#advanced summary');
		await p.check('input[name="prof-perf"][value="enabled_aggressive"]');
		await p.click('#start');
		await p.waitForSelector('#confirm[open]');
		const dlg = await p.textContent('#confirm');
		assert.match(dlg, /Confirm Start Profiling/);
		assert.match(dlg, /checkout \(1\)[\s\S]*web-2/);
		assert.match(dlg, /search \(1\)[\s\S]*idx-1/);
		assert.match(dlg, /Ad Hoc/);
		assert.match(dlg, /90 s/);
		assert.match(dlg, /Enabled Aggressive/);
		const done = p.waitForResponse((r) => r.url().endsWith('/profile_request') && r.request().postDataJSON().service_name === 'search');
		await p.click('#confirm-ok');
		await done;
		await p.waitForSelector('#messages .msg:nth-child(2)');
		const cfg = { perf: 'enabled_aggressive', async_profiler: 'enabled', pyperf: 'enabled',
			pyspy: 'enabled_fallback', rbspy: 'enabled', phpspy: 'enabled', dotnet_trace: 'enabled', nodejs_perf: 'enabled' };
		const want = (svc, host) => ({ service_name: svc, request_type: 'start', continuous: false, duration: 90,
			frequency: 11, profiling_mode: 'cpu', target_hosts: { [host]: null },
			additional_args: { enable_perfspect: false, profiler_configs: cfg, max_processes: 10 } });
		bodies.sort((a, b) => a.service_name.localeCompare(b.service_name));
		assert.deepEqual(bodies, [want('checkout', 'web-2'), want('search', 'idx-1')]);
		assert.deepEqual(Object.keys(bodies[0].additional_args.profiler_configs), Object.keys(cfg));
		const msgs = await p.$$eval('#messages .msg', (m) => m.map((x) => [x.className, x.textContent]));
		assert.equal(msgs.filter(([c]) => c.includes('ok')).length, 2, JSON.stringify(msgs));
		for (const [svc, host] of [['checkout', 'web-2'], ['search', 'idx-1']]) {
			const req = psql(`select request_type, continuous, duration, frequency, profiling_mode, ` +
				`array_to_string(target_hostnames, ','), additional_args->'profiler_configs'->>'perf', ` +
				`(additional_args->>'max_processes') from ProfilingRequests where service_name = '${svc}' ` +
				`and duration = 90`);
			assert.equal(req, `start|f|90|11|cpu|${host}|enabled_aggressive|10`, `${svc} request row`);
			const cmd = psql(`select command_type, status, combined_config->>'duration', ` +
				`combined_config->>'continuous', combined_config->'profiler_configs'->>'perf' ` +
				`from ProfilingCommands where hostname = '${host}' and service_name = '${svc}'`);
			assert.equal(cmd, 'start|pending|90|false|enabled_aggressive', `${host} command row`);
		}
		await waitHosts(p, 5);
		assert.equal(await p.textContent('#start'), 'Start (2)', 'the selection stays after Start');
		assert.match((await hostRows(p)).find((r) => r.host === 'web-2').text, /pending/);
		await p.uncheck('#hosts-body tr[data-key$="web-2"] input');
	}],
	['Stop sends a host-level stop for the selected host', async () => {
		const p = S.p;
		const body = p.waitForRequest((r) => r.url().endsWith('/profile_request'));
		await p.check('#hosts-body tr[data-key$="idx-1"] input');
		await p.click('#stop');
		await p.waitForSelector('#confirm[open]');
		assert.match(await p.textContent('#confirm-title'), /Confirm Stop Profiling/);
		await p.click('#confirm-ok');
		const b = (await body).postDataJSON();
		assert.equal(b.request_type, 'stop');
		assert.equal(b.stop_level, 'host');
		assert.deepEqual(b.target_hosts, { 'idx-1': null });
		await p.waitForFunction(() => document.querySelector('#messages .msg'));
		await waitHosts(p, 5);
		assert.equal(psql("select command_type || '|' || status from ProfilingCommands where hostname = 'idx-1'"), 'stop|pending');
		await p.uncheck('#hosts-body tr[data-key$="idx-1"] input');
	}],
	['a refused request shows the server\'s error and keeps its hosts selected for a retry', async () => {
		const p = S.p;
		await p.route('**/api/metrics/profile_request', (r) => r.fulfill({ status: 500,
			contentType: 'application/json', body: '"Failed to save profiling request to database"' }));
		try {
			await p.check('#hosts-body tr[data-key$="idx-2"] input');
			await p.click('#start');
			await p.waitForSelector('#confirm[open]');
			await p.click('#confirm-ok');
			await p.waitForSelector('#messages .msg.error');
			assert.match(await p.textContent('#messages .msg.error'),
				/Start failed for service 'search' \(1 host\): Internal Server Error \(500\): Failed to save profiling request to database/);
			await waitHosts(p, 5);
			assert.equal(await p.isChecked('#hosts-body tr[data-key$="idx-2"] input'), true);
			assert.equal(await p.textContent('#start'), 'Start (1)');
		} finally {
			await p.unroute('**/api/metrics/profile_request');
		}
		await p.uncheck('#hosts-body tr[data-key$="idx-2"] input');
	}],
	['"View Adhoc Profile" opens the ad hoc view on that host, "View Profile" the explorer', async () => {
		const p = S.p;
		const row = 'tr[data-key$="web-1"]';
		assert.equal(await p.$$eval('#hosts-body a', (a) => a.length), 2, 'links only on the completed host');
		const link = await p.$(`${row} a:text("View Adhoc Profile")`);
		assert.ok(link);
		assert.equal(await link.getAttribute('target'), '_blank');
		const [pop] = await Promise.all([ctx.waitForEvent('page'), link.click()]);
		pop.errors = [];
		await pop.waitForLoadState();
		const u = new URL(pop.url());
		assert.equal(u.pathname, '/adhoc.html');
		assert.equal(u.searchParams.get('service'), 'checkout');
		assert.equal(u.searchParams.get('host'), 'web-1');
		await waitFiles(pop, 2);
		assert.equal(await pop.inputValue('#service'), 'checkout');
		assert.equal(await pop.inputValue('#host'), 'web-1');
		assert.deepEqual((await fileRows(pop)).map((r) => r.file), [FG.B.file, FG.A.file]);
		await pop.close();
		// "View Profile" opens the explorer on the host over the last hour.
		const href = new URL(await p.getAttribute(`${row} a:text("View Profile")`, 'href'), BASE);
		assert.equal(href.pathname, '/explorer.html');
		assert.deepEqual(Object.fromEntries(href.searchParams), { service: 'checkout', host: 'web-1', range: '1h' });
	}],
	['ad hoc view lists the uploaded flamegraphs newest first, with host, PMU events and size', async () => {
		const p = S.p;
		await p.goto(`${BASE}/adhoc.html?service=checkout&time=1h`);
		await waitFiles(p, 4);
		const rows = await fileRows(p);
		assert.deepEqual(rows.map((r) => r.file), [FG.X.file, FG.C.file, FG.B.file, FG.A.file]);
		const c = rows[1].cells;
		assert.equal(c[1], 'web-2');
		assert.equal(c[2], 'cycles, cache-misses');
		assert.match(c[3], /^\d+\.\d\d KB$/);
		const want = new Date(T0 - 20 * 60e3).toLocaleString('sv-SE', { timeZone: TZ }).replace(/:\d\d$/, '');
		assert.ok(c[0].startsWith(want), `${c[0]} is local time ${want}`);
		assert.deepEqual(p.errors, []);
	}],
	['a flamegraph whose object was deleted is struck through, marked Removed, not clickable', async () => {
		const p = S.p;
		const a = (await fileRows(p)).find((r) => r.file === FG.A.file);
		assert.equal(a.removed, true);
		assert.equal(a.deco, 'line-through');
		assert.equal(a.hasButton, false);
		assert.equal(a.cells[4], 'Removed');
		assert.equal(await p.getAttribute(`#files-body tr[data-file="${FG.A.file}"]`, 'aria-disabled'), 'true');
		await p.click(`#files-body tr[data-file="${FG.A.file}"]`, { force: true });
		assert.equal(await p.isHidden('#viewer'), true);
		assert.ok(!new URL(p.url()).searchParams.get('file'));
	}],
	['selecting one shows it in <iframe sandbox="allow-scripts allow-forms"> from the raw HTML URL', async () => {
		const p = S.p;
		const resp = p.waitForResponse((r) => r.url().includes('/adhoc_flamegraph_content'));
		await p.click(`#files-body tr[data-file="${FG.B.file}"] button`);
		const { el, fr } = await frameOf(p);
		assert.equal(await el.getAttribute('sandbox'), 'allow-scripts allow-forms');
		const src = new URL(await el.getAttribute('src'), BASE);
		assert.equal(src.pathname, '/api/metrics/adhoc_flamegraph_content');
		assert.equal(src.searchParams.get('format'), 'html');
		assert.equal(src.searchParams.get('filename'), FG.B.file);
		assert.equal(await fr.textContent('#marker'), FG.B.marker);
		assert.equal(new URL(p.url()).searchParams.get('file'), FG.B.file);
		assert.equal((await fileRows(p)).find((r) => r.file === FG.B.file).selected, 'true');
		S.content = await resp;
	}],
	['the raw flamegraph is served as text/html with a CSP sandbox', async () => {
		const hd = await S.content.allHeaders();
		assert.equal(S.content.status(), 200);
		assert.match(hd['content-type'] || '', /^text\/html/);
		assert.match(hd['content-security-policy'] || '', /sandbox/);
		assert.doesNotMatch(hd['content-security-policy'] || '', /allow-same-origin/);
	}],
	['Download offers the same flamegraph as a file', async () => {
		const p = S.p;
		assert.equal(await p.getAttribute('#download', 'download'), FG.B.file);
		const [dl] = await Promise.all([p.waitForEvent('download'), p.click('#download')]);
		const file = await dl.path();
		assert.match(fs.readFileSync(file, 'utf8'), new RegExp(FG.B.marker));
	}],
	['a shared URL opens the same flamegraph for a colleague (fresh browser)', async () => {
		const url = S.p.url();
		const other = await browser({ timezoneId: 'UTC' });
		try {
			const q = await page(other);
			await q.goto(url);
			const { fr } = await frameOf(q);
			assert.equal(await fr.textContent('#marker'), FG.B.marker);
			await waitFiles(q, 4);
			assert.equal((await fileRows(q)).find((r) => r.file === FG.B.file).selected, 'true');
			assert.equal(await q.inputValue('#service'), 'checkout');
			await q.goto(url.replace(/time=1h/, 'time=15min'));
			const again = await frameOf(q);
			assert.equal(await again.fr.textContent('#marker'), FG.B.marker, 'outside the listed range too');
		} finally {
			await other.close();
		}
	}],
	['host filter narrows the list (RQL HostName filter) and goes in the URL', async () => {
		const p = S.p;
		const req = p.waitForRequest((r) => r.url().includes('/adhoc_flamegraphs') && r.url().includes('filter='));
		await p.selectOption('#host', 'web-2');
		const f = JSON.parse(new URL((await req).url()).searchParams.get('filter'));
		assert.deepEqual(f, { id: '', filter: { $and: [{ HostName: { $eq: 'web-2' } }] } });
		await waitFiles(p, 1);
		assert.equal((await fileRows(p))[0].file, FG.C.file);
		assert.match(p.url(), /host=web-2/);
		assert.equal(await p.isHidden('#viewer'), true, 'a new query clears the selection');
	}],
	['paging: limit=2 splits the list into pages (server limit/offset), kept in the URL', async () => {
		const p = S.p;
		const files = async () => (await fileRows(p)).map((r) => r.file);
		const req = p.waitForRequest((r) => r.url().includes('/adhoc_flamegraphs?'));
		await p.goto(`${BASE}/adhoc.html?service=checkout&time=1h&limit=2`);
		const q = new URL((await req).url()).searchParams;
		assert.equal(q.get('limit'), '3');
		assert.equal(q.get('offset'), '0');
		await waitFiles(p, 2);
		assert.deepEqual(await files(), [FG.X.file, FG.C.file]);
		assert.equal(await p.isDisabled('#prev-page'), true);
		await p.click('#next-page');
		await p.waitForFunction(() => /^3–4 of 4/.test(document.getElementById('list-summary').textContent));
		assert.deepEqual(await files(), [FG.B.file, FG.A.file]);
		assert.match(p.url(), /page=2/);
		assert.equal(await p.isDisabled('#next-page'), true);
		await p.reload();
		await p.waitForFunction(() => /^3–4 of 4/.test(document.getElementById('list-summary').textContent));
		await p.click('#prev-page');
		await p.waitForFunction(() => /^1–2 flamegraphs/.test(document.getElementById('list-summary').textContent));
		assert.deepEqual(await files(), [FG.X.file, FG.C.file]);
	}],
	['empty and error states read as upstream\'s', async () => {
		const p = S.p;
		await p.goto(`${BASE}/adhoc.html?service=search&time=15min&host=idx-2`);
		await p.waitForFunction(() => /No adhoc flamegraphs found/.test(document.getElementById('list-state').textContent));
		assert.equal(await p.textContent('#list-state'), 'No adhoc flamegraphs found for the selected service and time range.');
		await p.route('**/api/metrics/adhoc_flamegraphs*', (r) => r.fulfill({ status: 500, contentType: 'application/json',
			body: '"Failed to fetch adhoc flamegraph files"' }));
		await p.reload();
		await p.waitForFunction(() => /Error loading/.test(document.getElementById('list-state').textContent));
		assert.match(await p.textContent('#list-state'), /^Error loading adhoc flamegraphs: Internal Server Error \(500\)/);
		await p.unroute('**/api/metrics/adhoc_flamegraphs*');
	}],
	['XSS: the flamegraph\'s script runs but cannot reach the page, its cookies/storage or the API', async () => {
		const p = S.p;
		await ctx.addCookies([{ name: 'ember_secret', value: SECRET_COOKIE, url: BASE }]);
		await p.goto(`${BASE}/adhoc.html?service=checkout&time=1h`);
		await p.evaluate((v) => {
			localStorage.setItem('ember_secret', v);
			window.__msgs = [];
			window.addEventListener('message', (e) => window.__msgs.push(JSON.stringify(e.data)));
		}, SECRET_LS);
		const before = Number(psql('select count(*) from ProfilingRequests'));
		await waitFiles(p, 4);
		await p.click(`#files-body tr[data-file="${FG.X.file}"] button`);
		const { fr } = await frameOf(p);
		await fr.waitForFunction(() => document.getElementById('probe').textContent !== 'pending');
		const r = JSON.parse(await fr.textContent('#probe'));
		await p.waitForFunction(() => window.__msgs.length > 0);
		const msgs = await p.evaluate(() => window.__msgs.join('\n'));
		fs.writeFileSync(path.join(ART, 'xss-probe.json'), JSON.stringify(r, null, 2));
		console.log(`# probe: ${JSON.stringify(r)}`);
		assert.equal(r.done, true, 'the probe script ran');
		assert.equal(r.origin, 'null', 'the frame has an opaque origin');
		for (const k of ['parent_dom', 'top_dom', 'parent_cookie', 'own_cookie', 'local_storage',
			'parent_local_storage', 'session_storage', 'parent_function', 'popup', 'api_get', 'api_list',
			'api_post', 'api_xhr'])
			assert.match(r[k] || 'missing', /^blocked:/, `${k}: ${r[k]}`);
		assert.ok(!msgs.includes(SECRET_COOKIE) && !msgs.includes(SECRET_LS), 'no secret left the page');
		assert.ok(msgs.includes('"done":true'), 'the parent got the probe\'s message (and ignored it)');
		assert.equal(new URL(p.url()).pathname, '/adhoc.html', 'top navigation blocked');
		assert.equal(ctx.pages().length, 1, 'no popup');
		S.requestsBefore = before;
	}],
	['CSRF: the flamegraph\'s forged text/plain POST (Origin: null) creates no profile request', async () => {
		// The browser sends this "simple" request without a preflight and
		// only hides the answer; the server must refuse it (non-JSON
		// Content-Type or a foreign Origin) or an uploaded flamegraph can
		// start profiling with the viewer's credentials.
		assert.equal(psql("select count(*) from ProfilingRequests where service_name = 'xss-probe'"), '0',
			'ProfilingRequests rows for service xss-probe');
		assert.equal(Number(psql('select count(*) from ProfilingRequests')), S.requestsBefore);
	}],
	['keyboard: Tab reaches the list, Enter on View opens a flamegraph, focus is visible', async () => {
		const p = S.p;
		await p.goto(`${BASE}/adhoc.html?service=checkout&time=1h`);
		await waitFiles(p, 4);
		let label = '';
		for (let i = 0; i < 30 && !/^View .*web-2/.test(label); i++) {
			await p.keyboard.press('Tab');
			label = await p.evaluate(() => document.activeElement.getAttribute('aria-label') || '');
		}
		assert.match(label, /^View .* - web-2$/);
		const outline = await p.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
		assert.notEqual(outline, 'none');
		await p.keyboard.press('Enter');
		const { fr } = await frameOf(p);
		assert.equal(await fr.textContent('#marker'), FG.C.marker);
	}],
	['screenshots of both pages at 1280 px are saved', async () => {
		const p = S.p;
		await p.goto(`${BASE}/adhoc.html?service=checkout&time=1h&file=${encodeURIComponent(FG.C.file)}`);
		await frameOf(p);
		await waitFiles(p, 4);
		await p.screenshot({ path: path.join(ART, 'adhoc.png') });
		await p.goto(`${BASE}/?sort=service_name`);
		await waitHosts(p, 5);
		await p.check('#hosts-body tr[data-key$="web-3"] input');
		await p.screenshot({ path: path.join(ART, 'status.png') });
		for (const f of ['adhoc.png', 'status.png'])
			assert.ok(fs.statSync(path.join(ART, f)).size > 10000, f);
	}],
];

if (process.argv[2] === '--list') {
	for (const [name] of TESTS)
		console.log(name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60));
	process.exit(0);
}

let n = 0, failed = 0;
fs.mkdirSync(ART, { recursive: true });
for (const [name, fn] of TESTS) {
	n++;
	try {
		await fn();
		console.log(`ok ${n} - ${name}`);
	} catch (e) {
		failed++;
		console.log(`not ok ${n} - ${name}`);
		const msg = String(e && e.message || e).split('\n').filter((x) => x.trim()).slice(0, 8);
		const at = String(e && e.stack || '').split('\n').find((x) => /^\s+at /.test(x));
		for (const line of [...msg, ...(at ? [at.trim()] : [])])
			console.log(`#   ${line}`);
		if (S.p && !S.p.isClosed()) {
			try {
				await S.p.screenshot({ path: path.join(ART, `fail-${n}.png`) });
			} catch (e2) { /* ignore */ }
		}
	}
}
if (ctx)
	await ctx.close();
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
