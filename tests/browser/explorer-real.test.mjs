// explorer-real.test.mjs - the flamegraph explorer in a real headless
// Chromium against the real stack started by run.sh (lighttpd +
// ember-fcgi + ember-workers + PostgreSQL), with continuous profiles
// uploaded the way agents upload them (gzip POST /api/v2/profiles, a
// "# {header}" line and collapsed stacks) and indexed by the workers.
//
// The data is mock-profiles.mjs's, so the mock server (explorer.test.mjs)
// and the real API can be checked to answer the same JSON.  Service
// "shop", hosts web-1 (the Java stacks) and web-2 (the Python ones):
//   the hour before the last one: checkoutTree()  (1,000 samples)
//   the last hour:                 regressedTree() (1,400 samples: a
//                                  regression planted in libpq_exec)
// Every number the page shows is checked against the API's answer.
//
// Environment (run.sh sets it): EMBER_BASE_URL, EMBER_TEST_KEY, PG*,
// EMBER_CHROMIUM, EMBER_ARTIFACTS, EMBER_SCREENSHOT_DIR (also save the
// README's explorer screenshots there).  Prints TAP; --list prints names.

import { chromium } from 'playwright-core';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import * as M from './mock-profiles.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BASE = process.env.EMBER_BASE_URL;
const KEY = process.env.EMBER_TEST_KEY;
const ART = process.env.EMBER_ARTIFACTS || path.join(HERE, 'artifacts');
const SHOTS = process.env.EMBER_SCREENSHOT_DIR || '';
const CHROMIUM = process.env.EMBER_CHROMIUM || '/usr/bin/chromium';
const TZ = 'Asia/Kolkata';
const ROW = 18;			// flame.js row height
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SVC = 'shop';
const T0 = Date.now();
const naive = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, '');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (x) => `${(x * 100).toFixed(2)} %`;
const num = (n) => Math.round(n).toLocaleString('en-US');

// ---- data ----

// The stacks of a tree whose first frame (the process) is kept by host:
// java on web-1, python3 on web-2.
const HOST_OF = { java: 'web-1', python3: 'web-2' };
function byHost(tree) {
	const out = { 'web-1': [], 'web-2': [] };
	for (const l of M.folded(tree))
		out[HOST_OF[l.split(';')[0]]].push(l);
	return out;
}

async function upload(host, start, lines) {
	const header = {
		containers: [], container_names_enabled: false, application_metadata: [null],
		application_metadata_enabled: true, profiling_mode: 'cpu', metrics: { cpu_avg: 12.5, mem_avg: 40 },
		metadata: { hostname: host, agent_version: '1.53.1', cloud_provider: 'unknown', run_mode: 'standalone_executable',
			run_arguments: { continuous: true, duration: 60, frequency: 11, profiling_mode: 'cpu', service_name: SVC } },
	};
	const body = JSON.stringify({ start_time: naive(start), end_time: naive(start + 60e3), hostname: host,
		profile: `# ${JSON.stringify(header)}\n${lines.map((l) => `0;;${l}`).join('\n')}\n`,
		cpu_avg: 12.5, mem_avg: 40, spawn_time: naive(start - 3600e3), gpid: '' });
	const q = new URLSearchParams({ key: KEY, service: SVC, hostname: host, timestamp: naive(Date.now()), version: '1.53.1' });
	const res = await fetch(`${BASE}/api/v2/profiles?${q}`, { method: 'POST', body: zlib.gzipSync(body),
		headers: { 'GPROFILER-API-KEY': KEY, 'GPROFILER-SERVICE-NAME': SVC, 'Content-Encoding': 'gzip',
			'Content-type': 'application/json' } });
	return { status: res.status, text: await res.text() };
}

async function post(p, body, headers = {}) {
	const res = await fetch(BASE + p, { method: 'POST', body: JSON.stringify(body),
		headers: { 'Content-Type': 'application/json', ...headers } });
	const text = await res.text();
	let json = null;
	try {
		json = JSON.parse(text);
	} catch (e) { /* not JSON */ }
	return { status: res.status, text, json };
}

const heartbeat = (host, extra = {}) => post('/api/metrics/heartbeat', { ip_address: '10.9.0.2', hostname: host,
	service_name: SVC, status: 'active', timestamp: naive(Date.now()), received_command_ids: [],
	executed_command_ids: [], ...extra }, { Authorization: `Bearer ${KEY}` });

// get(base, p, params): {status, body} of one API call (JSON when it is).
async function get(base, p, params) {
	const res = await fetch(`${base}/api${p}?${new URLSearchParams(params)}`);
	const text = await res.text();
	let body = text;
	try {
		body = JSON.parse(text);
	} catch (e) { /* text */ }
	return { status: res.status, body };
}

// The ranges: the last hour (compare) and the hour before it (base).
const LAST = { startTime: naive(T0 - 3600e3), endTime: naive(T0) };
const BEFORE = { startTime: naive(T0 - 7200e3), endTime: naive(T0 - 3600e3) };
const rql = (host) => JSON.stringify({ id: '', filter: { $and: [{ HostName: { $eq: host } }] } });

// walk(tree): every node with its path, x offset (samples) and depth.
function walk(tree) {
	const out = [];
	const go = (n, pathv, x, d) => {
		out.push({ n, path: pathv, x, depth: d });
		let off = x;
		for (const c of n.children || []) {
			go(c, [...pathv, c.name + (c.suffix || '')], off, d + 1);
			off += c.value;
		}
	};
	go(tree, [], 0, 0);
	return out;
}
const nodeAt = (tree, p) => walk(tree).find((e) => e.path.join(';') === p);

// ---- the page ----

let browserProc;
const S = {};

async function context(opts = {}) {
	const ctx = await browserProc.newContext({ timezoneId: TZ, locale: 'en-US',
		viewport: { width: 1280, height: 900 }, ...opts });
	ctx.setDefaultTimeout(10000);
	await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
	return ctx;
}

async function page(ctx) {
	const p = await ctx.newPage();
	p.errors = [];
	p.apiCalls = [];
	p.on('pageerror', (e) => p.errors.push(e.message));
	p.on('request', (r) => {
		if (r.url().includes('/api/'))
			p.apiCalls.push(new URL(r.url()));
	});
	return p;
}

const q = async (p) => new URL(await p.evaluate(() => location.href)).searchParams;
const lastCall = (p, part) => [...p.apiCalls].reverse().find((u) => u.pathname === part);
const tableRows = (p) => p.$$eval('#functions-body tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
const matched = (p) => p.textContent('#matched');

async function waitGraph(p) {
	await p.waitForFunction(() => /samples/.test(document.getElementById('fg-canvas').getAttribute('aria-label')) &&
		document.getElementById('fg-state').hidden);
	await p.waitForFunction(() => document.querySelectorAll('#functions-body tr').length > 0 &&
		!document.getElementById('busy').classList.contains('on'));
}

// point(p, depth, fraction): a point on the row at depth, at fraction of
// the canvas width (icicle: the root on top).
async function point(p, depth, fraction, id = 'fg-canvas') {
	const b = await p.$eval(`#${id}`, (c) => { const r = c.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width }; });
	return { x: b.x + b.w * fraction, y: b.y + depth * ROW + ROW / 2 };
}

// centre(e, zoom): the middle of node e's bar as a fraction of the width
// when zoomed on node zoom (the whole tree: zoom = the root entry).
const centre = (e, zoom) => (e.x - zoom.x + e.n.value / 2) / zoom.n.value;

async function hover(p, depth, fraction, id) {
	const pt = await point(p, depth, fraction, id);
	await p.mouse.move(pt.x, pt.y);
	await p.waitForSelector('#tooltip:not([hidden])');
	return p.textContent('#tooltip');
}

async function shot(p, name) {
	await p.screenshot({ path: path.join(ART, name) });
	if (SHOTS)
		fs.copyFileSync(path.join(ART, name), path.join(SHOTS, name));
}

// ---- the mock server, for the agreement test ----

let mock, MOCK = '';
async function startMock() {
	mock = spawn(process.execPath, [path.join(HERE, 'mock-server.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
	MOCK = await new Promise((resolve, reject) => {
		mock.stdout.once('data', (d) => {
			const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(String(d));
			return m ? resolve(`http://127.0.0.1:${m[1]}`) : reject(new Error(`mock: ${d}`));
		});
		mock.once('exit', (c) => reject(new Error(`mock exited ${c}`)));
	});
}

// Drop what only timing decides.
const norm = (b) => {
	if (b && typeof b === 'object' && !Array.isArray(b)) {
		const { exec_time: a, olap_time: c, percentiles: d, ...rest } = b;
		return rest;
	}
	return b;
};

const TESTS = [
	['seed: continuous profiles (header + collapsed stacks) of two hosts in two hours are accepted', async () => {
		const before = byHost(M.checkoutTree()), last = byHost(M.regressedTree());
		for (const [host, start, lines] of [['web-1', T0 - 100 * 60e3, before['web-1']], ['web-2', T0 - 100 * 60e3, before['web-2']],
			['web-1', T0 - 30 * 60e3, last['web-1']], ['web-2', T0 - 30 * 60e3, last['web-2']]]) {
			const r = await upload(host, start, lines);
			assert.equal(r.status, 200, `${host}: ${r.text}`);
		}
	}],
	['seed: the workers index them: /api/flamegraph has both hours', async () => {
		let a, b;
		for (let i = 0; i < 150; i++) {
			a = await get(BASE, '/flamegraph', { serviceName: SVC, ...BEFORE });
			b = await get(BASE, '/flamegraph', { serviceName: SVC, ...LAST });
			if (a.body.value === 1000 && b.body.value === 1400)
				break;
			await sleep(200);
		}
		assert.equal(a.body.value, 1000, 'the hour before');
		assert.equal(b.body.value, 1400, 'the last hour');
	}],
	['the mock server answers what the real API answers for the same data', async () => {
		await startMock();
		const same = async (what, p, real, mockp, fix = (x) => x) => {
			const r = await get(BASE, p, { serviceName: SVC, ...real });
			const m = await get(MOCK, p, { serviceName: 'checkout', ...mockp });
			assert.equal(m.status, r.status, `${what}: status`);
			assert.deepEqual(fix(norm(m.body)), fix(norm(r.body)), what);
		};
		const mq = { startTime: naive(T0 - 3600e3), endTime: naive(T0) };
		await same('tree', '/flamegraph', { ...BEFORE, enrichment: 'lang' }, mq);
		await same('tree, host filter', '/flamegraph', { ...BEFORE, enrichment: 'lang', filter: rql('web-2') },
			{ ...mq, filter: rql('web-2') });
		for (const o of [{}, { sort: 'total' }, { sort: 'total', order: 'asc', limit: 4, offset: 2 }, { sort: 'name' }])
			await same(`functions ${JSON.stringify(o)}`, '/flamegraph/functions', { ...BEFORE, ...o }, { ...mq, ...o });
		for (const fn of ['sys_read_[k]', M.REGRESSION, 'nope'])
			await same(`sandwich of ${fn}`, '/flamegraph/functions', { ...BEFORE, functionName: fn, enrichment: 'lang' },
				{ ...mq, functionName: fn });
		const side = (k, r) => ({ [`${k}StartTime`]: r.startTime, [`${k}EndTime`]: r.endTime });
		await same('diff', '/flamegraph/diff', { ...side('base', BEFORE), ...side('compare', LAST), enrichment: 'lang' },
			{ ...side('base', mq), ...side('compare', mq) });
		await same('diff with an unknown ad hoc profile: 404', '/flamegraph/diff',
			{ baseProfile: 'nope_adhoc_flamegraph.html', ...side('compare', LAST) }, { baseProfile: 'nope_adhoc_flamegraph.html', ...side('compare', mq) });
		await same('a bad time: 422', '/flamegraph', { startTime: 'yesterday', endTime: LAST.endTime },
			{ startTime: 'yesterday', endTime: LAST.endTime });
		const r = await get(BASE, '/flamegraph', { serviceName: 'no-such-svc', ...LAST });
		const m = await get(MOCK, '/flamegraph', { serviceName: 'no-such-svc', ...LAST });
		assert.deepEqual([m.status, m.body], [r.status, r.body], 'unknown service: 406');
		assert.equal(r.status, 406);
		const dr = await get(BASE, '/flamegraph/datetime_with_data', { serviceName: SVC });
		assert.deepEqual(Object.keys(dr.body), ['firstDateTime', 'lastDateTime']);
		assert.match(dr.body.lastDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\+00:00$/);
		const dm = await get(MOCK, '/flamegraph/datetime_with_data', { serviceName: 'sparse' });
		assert.deepEqual(Object.keys(dm.body), Object.keys(dr.body));
		assert.match(dm.body.lastDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\+00:00$/);
	}],
	['explorer: the tree and the table over the last hour agree with /api/flamegraph and /functions', async () => {
		browserProc = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
		S.ctx = await context();
		const p = S.p = await page(S.ctx);
		await p.goto(`${BASE}/explorer.html?service=${SVC}`);
		await waitGraph(p);
		const sent = lastCall(p, '/api/flamegraph').searchParams;
		assert.equal(sent.get('serviceName'), SVC);
		const api = (await get(BASE, '/flamegraph', Object.fromEntries(sent))).body;
		const frames = walk(api).length;
		assert.equal(await p.getAttribute('#fg-canvas', 'aria-label'),
			`Flamegraph of ${SVC}: ${num(api.value)} samples, ${num(frames)} frames`);
		assert.equal(api.value, 1400);
		const fs2 = lastCall(p, '/api/flamegraph/functions').searchParams;
		const fn = (await get(BASE, '/flamegraph/functions', Object.fromEntries(fs2))).body;
		const rows = await tableRows(p);
		assert.equal(rows.length, fn.functions.length);
		assert.deepEqual(rows.map((r) => r.slice(0, 5)), fn.functions.map((f) =>
			[f.name, num(f.self), pct(f.selfShare), num(f.total), pct(f.totalShare)]));
		assert.equal(rows[0][0], M.REGRESSION, 'libpq_exec has the most self samples in the last hour');
		S.api = api;
		S.fn = fn;
		assert.deepEqual(p.errors, []);
	}],
	['zoom: a click zooms on the frame, the tooltip\'s numbers are the API\'s', async () => {
		const p = S.p, api = S.api;
		const root = nodeAt(api, '');
		const handle = nodeAt(api, 'python3;main (app.py);handle (app/server.py)');
		const pt = await point(p, handle.depth, centre(handle, root));
		await p.mouse.click(pt.x, pt.y);
		assert.equal((await q(p)).get('zoom'), handle.path.join(';'));
		assert.deepEqual(await p.$$eval('#crumbs li', (l) => l.map((x) => x.textContent)), ['all', ...handle.path]);
		const qd = nodeAt(api, 'python3;main (app.py);handle (app/server.py);query_db (db.py)');
		const t = await hover(p, qd.depth, centre(qd, handle));
		assert.match(t, /^query_db \(db\.py\)/);
		assert.ok(t.includes(`Samples: ${num(qd.n.value)} (${pct(qd.n.value / api.value)} of total)`), t);
		const self = qd.n.value - qd.n.children.reduce((s, c) => s + c.value, 0);
		assert.ok(t.includes(`Self: ${num(self)} (${pct(self / api.value)})`), t);
		assert.ok(t.includes(`${pct(qd.n.value / handle.n.value)} of the zoomed frame`), t);
		await p.click('#reset');
		assert.equal((await q(p)).get('zoom'), null);
	}],
	['search: "matched" is the API tree\'s share of the matching frames', async () => {
		const p = S.p, api = S.api;
		for (const re of ['sys_read', 'json|Json', '^main']) {
			await p.fill('#search', re);
			// outermost matches only: a match under a match is counted once
			let sum = 0;
			const rx = new RegExp(re);
			const go = (n) => {
				for (const c of n.children) {
					if (rx.test(c.name + (c.suffix || '')))
						sum += c.value;
					else
						go(c);
				}
			};
			go(api);
			await p.waitForFunction((w) => document.getElementById('matched').textContent === w,
				`Matched: ${pct(sum / api.value)} of samples`);
		}
		// the README's screenshot: a search and a tooltip
		await p.fill('#search', 'json|Json');
		await p.waitForFunction(() => /Matched/.test(document.getElementById('matched').textContent));
		const pj = nodeAt(api, 'python3;main (app.py);handle (app/server.py);parse_json (json.py)');
		assert.match(await hover(p, pj.depth, centre(pj, nodeAt(api, ''))), /^parse_json/);
		await shot(p, 'explorer.png');
		await p.fill('#search', '');
		await p.waitForFunction(() => document.getElementById('matched').textContent === '');
	}],
	['table focus: a click on a function shows the API\'s total share; sort by total asks the API', async () => {
		const p = S.p;
		const f = S.fn.functions.find((x) => x.name === 'handle (app/server.py)');
		await p.click(`#functions-body tr[data-fn="${f.name}"] td:nth-child(2)`);
		assert.equal(await matched(p), `Function "${f.name}": ${pct(f.totalShare)} of samples clear`);
		assert.equal((await q(p)).get('fn'), f.name);
		await p.click('#matched button');
		await p.click('th button[data-sort="total"]');
		await p.waitForFunction(() => new URL(location.href).searchParams.get('sort') === 'total');
		await waitGraph(p);
		const sent = lastCall(p, '/api/flamegraph/functions').searchParams;
		assert.equal(sent.get('sort'), 'total');
		const fn = (await get(BASE, '/flamegraph/functions', Object.fromEntries(sent))).body;
		await p.waitForFunction((n) => document.querySelector('#functions-body tr td').textContent === n, fn.functions[0].name);
		assert.deepEqual((await tableRows(p)).map((r) => r[0]), fn.functions.map((x) => x.name));
	}],
	['sandwich: callers and callees of a function are the API\'s', async () => {
		const p = S.p;
		await p.click('#functions-body tr[data-fn="sys_read_[k]"] button[aria-label^="Sandwich"]');
		await p.waitForFunction(() => !document.getElementById('sandwich-view').hidden &&
			document.getElementById('sw-state').hidden);
		const sent = [...p.apiCalls].reverse().find((u) => u.pathname === '/api/flamegraph/functions' &&
			u.searchParams.get('functionName')).searchParams;
		assert.equal(sent.get('functionName'), 'sys_read_[k]');
		const sw = (await get(BASE, '/flamegraph/functions', Object.fromEntries(sent))).body;
		const t = await hover(p, 1, 0.5, 'callees-canvas');
		assert.match(t, /^sys_read_\[k\]/);
		assert.ok(t.includes(`Samples: ${num(sw.callees.value)}`), t);
		assert.equal(sw.total, 240);
		// callers: drawn root at the bottom; the two callers side by side, in
		// the API's order, each with its samples
		const h = await p.$eval('#callers-canvas', (c) => c.getBoundingClientRect().height);
		const rows = Math.round(h / ROW);
		const fnNode = sw.callers.children[0];
		let x = 0;
		for (const c of fnNode.children) {
			const pt = await point(p, rows - 1 - 2, (x + c.value / 2) / sw.callers.value, 'callers-canvas');
			await p.mouse.move(pt.x, pt.y);
			await p.waitForSelector('#tooltip:not([hidden])');
			const tt = await p.textContent('#tooltip');
			assert.ok(tt.startsWith(c.name + (c.suffix || '')), `${tt} is ${c.name}`);
			assert.ok(tt.includes(`Samples: ${num(c.value)} (${pct(c.value / sw.callers.value)} of total)`), tt);
			x += c.value;
		}
		await shot(p, 'explorer-sandwich.png');
	}],
	['compare mode: the planted regression is the top change, with the API diff\'s shares', async () => {
		const p = S.p;
		await p.goto(`${BASE}/explorer.html?service=${SVC}&view=compare`);
		await p.waitForFunction(() => document.querySelector('#table-title').textContent === 'Biggest changes' &&
			document.querySelectorAll('#functions-body tr').length > 0);
		const sent = lastCall(p, '/api/flamegraph/diff').searchParams;
		assert.equal(Date.parse(sent.get('baseEndTime') + 'Z'), Date.parse(sent.get('compareStartTime') + 'Z'), 'base = the hour before');
		const local = (v) => new Date(v + 'Z').toLocaleString('sv-SE', { timeZone: TZ }).replace(' ', 'T');
		assert.deepEqual([await p.inputValue('#bfrom'), await p.inputValue('#bto')],
			[local(sent.get('baseStartTime')), local(sent.get('baseEndTime'))], 'the base range is shown');
		const d = (await get(BASE, '/flamegraph/diff', Object.fromEntries(sent))).body;
		assert.deepEqual([d.baseTotal, d.compareTotal], [1000, 1400]);
		const e = walk(d).find((x) => x.path.at(-1) === M.REGRESSION).n;
		const selfShare = (k, tot) => (e[k] - e.children.reduce((s, c) => s + c[k], 0)) / tot;
		const b = selfShare('base', d.baseTotal), c = selfShare('compare', d.compareTotal);
		const rows = await tableRows(p);
		assert.deepEqual(rows[0].slice(0, 4), [M.REGRESSION, pct(b), pct(c), `▲ +${((c - b) * 100).toFixed(2)} pts`]);
		assert.equal(pct(b), '6.00 %');
		assert.equal(pct(c), '32.86 %');
		assert.match(await p.textContent('#diff-totals'), /Base 1,000 samples, compare 1,400 samples/);
		await shot(p, 'explorer-compare.png');
		assert.deepEqual(p.errors, []);
	}],
	['hostile frame names render as text, never HTML', async () => {
		const p = S.p;
		await p.goto(`${BASE}/explorer.html?service=${SVC}&search=${encodeURIComponent('<img')}`);
		await waitGraph(p);
		assert.ok((await tableRows(p)).some((r) => r[0] === M.HOSTILE));
		assert.equal(await p.evaluate(() => window.__xss), undefined);
		assert.equal(await p.$$eval('img', (i) => i.length), 0);
		const evil = walk(S.api).find((x) => x.path.at(-1) === M.HOSTILE);
		const t = await hover(p, evil.depth, centre(evil, nodeAt(S.api, '')));
		assert.ok(t.startsWith(M.HOSTILE), t);
		assert.equal(await matched(p), `Matched: ${pct(evil.n.value / S.api.value)} of samples`);
		assert.equal(await p.evaluate(() => window.__xss), undefined);
	}],
	['status page: a continuous start shows "running until …"; View Profile opens the explorer on that host, last hour', async () => {
		let hb = await heartbeat('web-2');
		assert.equal(hb.status, 200, hb.text);
		const pr = await post('/api/metrics/profile_request', { service_name: SVC, request_type: 'start', continuous: true,
			duration: 3600, frequency: 11, profiling_mode: 'cpu', target_hosts: { 'web-2': null } });
		assert.equal(pr.status, 200, pr.text);
		hb = await heartbeat('web-2');
		const cmd = hb.json && hb.json.command_id;
		assert.ok(cmd, `heartbeat gave a command: ${hb.text}`);
		const cc = await post('/api/metrics/command_completion', { command_id: cmd, hostname: 'web-2', status: 'completed',
			execution_time: 0 }, { Authorization: `Bearer ${KEY}`, 'GPROFILER-API-KEY': KEY, 'GPROFILER-SERVICE-NAME': SVC });
		assert.equal(cc.status, 200, cc.text);
		const p = S.p;
		await p.goto(`${BASE}/index.html?service=${SVC}`);
		const row = `#hosts-body tr[data-key$="web-2"]:has(td:text-is("${SVC}"))`;
		await p.waitForSelector(`${row} a:text("View Profile")`);
		const status = await p.$eval(`${row} td:nth-child(7)`, (td) => td.textContent);
		assert.match(status, /^running until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+05:30$/);
		const until = Date.parse(status.slice('running until '.length, -' UTC+05:30'.length).replace(' ', 'T') + '+05:30');
		assert.ok(Math.abs(until - (Date.now() + 3600e3)) < 120e3, `until ${new Date(until).toISOString()} is ~1 h from now`);
		const [pop] = await Promise.all([S.ctx.waitForEvent('page'), p.click(`${row} a:text("View Profile")`)]);
		pop.apiCalls = [];
		pop.on('request', (r) => {
			if (r.url().includes('/api/'))
				pop.apiCalls.push(new URL(r.url()));
		});
		await pop.waitForLoadState();
		const u = new URL(pop.url());
		assert.equal(u.pathname, '/explorer.html');
		assert.deepEqual([u.searchParams.get('service'), u.searchParams.get('host'), u.searchParams.get('range')], [SVC, 'web-2', '1h']);
		await waitGraph(pop);
		assert.equal(await pop.inputValue('#f-host'), 'web-2');
		const sent = lastCall(pop, '/api/flamegraph').searchParams;
		assert.equal(sent.get('filter'), rql('web-2'));
		assert.equal(Date.parse(sent.get('endTime') + 'Z') - Date.parse(sent.get('startTime') + 'Z'), 3600e3);
		const api = (await get(BASE, '/flamegraph', Object.fromEntries(sent))).body;
		assert.equal(api.value, 1000, 'web-2 (python) in the last hour');
		assert.match(await pop.getAttribute('#fg-canvas', 'aria-label'), /: 1,000 samples/);
		await pop.close();
	}],
	['Copy link: a fresh browser opens the same view (range, host, zoom, search)', async () => {
		const p = S.p;
		await p.goto(`${BASE}/explorer.html?service=${SVC}&host=web-2`);
		await waitGraph(p);
		const api = (await get(BASE, '/flamegraph', Object.fromEntries(lastCall(p, '/api/flamegraph').searchParams))).body;
		const main = nodeAt(api, 'python3;main (app.py)');
		const pt = await point(p, main.depth, centre(main, nodeAt(api, '')));
		await p.mouse.click(pt.x, pt.y);
		await p.fill('#search', 'json');
		await p.waitForFunction(() => /Matched/.test(document.getElementById('matched').textContent));
		const want = { m: await matched(p), crumbs: await p.textContent('#crumbs') };
		const sent = lastCall(p, '/api/flamegraph').searchParams;
		await p.click('#copy-link');
		const link = await p.textContent('#copied-link');
		assert.equal(await p.evaluate(() => navigator.clipboard.readText()), link);
		const other = await context({ timezoneId: 'UTC' });
		try {
			const o = await page(other);
			await o.goto(link);
			await waitGraph(o);
			await o.waitForFunction(() => /Matched/.test(document.getElementById('matched').textContent));
			const got = lastCall(o, '/api/flamegraph').searchParams;
			for (const k of ['serviceName', 'startTime', 'endTime', 'filter'])
				assert.equal(got.get(k), sent.get(k), k);
			assert.equal(await matched(o), want.m);
			assert.equal(await o.textContent('#crumbs'), want.crumbs);
			assert.equal(await o.inputValue('#f-host'), 'web-2');
		} finally {
			await other.close();
		}
	}],
	['empty range: the page offers the nearest range with data (datetime_with_data), which shows it', async () => {
		const p = S.p;
		const from = new Date(T0 - 3 * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
		const to = new Date(T0 - 3 * 86400e3 + 3600e3).toISOString().replace(/\.\d+Z$/, 'Z');
		await p.goto(`${BASE}/explorer.html?service=${SVC}&range=custom&from=${from}&to=${to}`);
		await p.waitForSelector('#go-nearest');
		assert.match(await p.textContent('#fg-state'), /No samples for shop .*The nearest data is at/s);
		await p.click('#go-nearest');
		await waitGraph(p);
		const sent = lastCall(p, '/api/flamegraph').searchParams;
		const api = (await get(BASE, '/flamegraph', Object.fromEntries(sent))).body;
		assert.ok(api.value > 0, 'the offered range has samples');
		assert.match(await p.getAttribute('#fg-canvas', 'aria-label'), new RegExp(`: ${num(api.value)} samples`));
		assert.deepEqual(p.errors, []);
	}],
];

if (process.argv.includes('--list')) {
	for (const [name] of TESTS)
		console.log(name.replace(/\s+/g, '-'));
	process.exit(0);
}
fs.mkdirSync(ART, { recursive: true });
let n = 0, failed = 0;
for (const [name, fn] of TESTS) {
	n++;
	try {
		await fn();
		console.log(`ok ${n} - ${name}`);
	} catch (e) {
		failed++;
		console.log(`not ok ${n} - ${name}`);
		const msg = String(e && e.message || e).split('\n').filter((x) => x.trim()).slice(0, 12);
		const at = String(e && e.stack || '').split('\n').find((x) => /^\s+at /.test(x));
		for (const line of [...msg, ...(at ? [at.trim()] : [])])
			console.log(`#   ${line}`);
		if (S.p && !S.p.isClosed()) {
			try {
				await S.p.screenshot({ path: path.join(ART, `explorer-real-fail-${n}.png`) });
			} catch (e2) { /* ignore */ }
		}
	}
}
if (browserProc)
	await browserProc.close();
if (mock)
	mock.kill();
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
