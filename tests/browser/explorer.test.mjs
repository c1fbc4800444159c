// explorer.test.mjs - the flamegraph explorer and the status / ad hoc
// pages' rough edges, in a real headless Chromium against the mock
// server (mock-server.mjs, data in mock-profiles.mjs, numbers worked out
// there).  Prints TAP; `node explorer.test.mjs --list` prints the names.
//
// Environment: EMBER_CHROMIUM (default /usr/bin/chromium),
// EMBER_ARTIFACTS (screenshots; the README's come from the real stack,
// explorer-real.test.mjs).

import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { HOSTILE, REGRESSION } from './mock-profiles.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ART = process.env.EMBER_ARTIFACTS || path.join(HERE, 'artifacts');
const CHROMIUM = process.env.EMBER_CHROMIUM || '/usr/bin/chromium';
const TZ = 'Asia/Kolkata';	// UTC+05:30: local time is provably not UTC
const ROW = 18;			// flame.js row height
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];

let BASE = '';
let server, browserProc;
const S = {};

async function startMock() {
	server = spawn(process.execPath, [path.join(HERE, 'mock-server.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
	BASE = await new Promise((resolve, reject) => {
		server.stdout.once('data', (d) => {
			const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(String(d));
			return m ? resolve(`http://127.0.0.1:${m[1]}`) : reject(new Error(`mock: ${d}`));
		});
		server.once('exit', (c) => reject(new Error(`mock exited ${c}`)));
	});
}

async function context(opts = {}) {
	const ctx = await browserProc.newContext({ timezoneId: TZ, locale: 'en-US',
		viewport: { width: 1280, height: 900 }, acceptDownloads: true, ...opts });
	ctx.setDefaultTimeout(8000);
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

// q(p): the page's query string, read in the page (p.url() lags pushState).
const q = async (p) => new URL(await p.evaluate(() => location.href)).searchParams;

// openExplorer(p, query): load the explorer and wait for the tree + table.
async function openExplorer(p, query, rows = 13) {
	await p.goto(`${BASE}/explorer.html?${query}`);
	await waitGraph(p);
	if (rows)
		await p.waitForFunction((n) => document.querySelectorAll('#functions-body tr').length === n, rows);
}

async function waitGraph(p) {
	await p.waitForFunction(() => /samples/.test(document.getElementById('fg-canvas').getAttribute('aria-label')) &&
		document.getElementById('fg-state').hidden);
}

// frameAt(p, depth, fraction): page coordinates of a point on a frame
// drawn at `depth` (icicle) and `fraction` of the canvas width.
async function frameAt(p, depth, fraction, id = 'fg-canvas', rows = 0) {
	const b = await p.$eval(`#${id}`, (c) => { const r = c.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; });
	const row = rows ? rows - 1 - depth : depth;
	return { x: b.x + b.w * fraction, y: b.y + row * ROW + ROW / 2 };
}

async function pixel(p, depth, fraction, id = 'fg-canvas') {
	return p.evaluate(([d, f, id, rh]) => {
		const c = document.getElementById(id);
		const dpr = window.devicePixelRatio || 1;
		const flame = c.dataset.orient === 'flame';
		const rows = c.height / dpr / rh;
		const y = (flame ? rows - 1 - d : d) * rh + 3;	// above the text
		const px = c.getContext('2d').getImageData(Math.floor(c.width * f), Math.floor(y * dpr), 1, 1).data;
		return [px[0], px[1], px[2]];
	}, [depth, fraction, id, ROW]);
}

async function hover(p, depth, fraction, id, rows) {
	const pt = await frameAt(p, depth, fraction, id, rows);
	await p.mouse.move(pt.x, pt.y);
	await p.waitForSelector('#tooltip:not([hidden])');
	return p.textContent('#tooltip');
}

const lastCall = (p, part) => [...p.apiCalls].reverse().find((u) => u.pathname === part);
const tableRows = (p) => p.$$eval('#functions-body tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
const matched = (p) => p.textContent('#matched');

async function shot(p, name) {
	await p.screenshot({ path: path.join(ART, name) });
}

const TESTS = [
	['explorer: the flamegraph and the top-functions table show the service\'s numbers', async () => {
		S.ctx = await context();
		const p = S.p = await page(S.ctx);
		await openExplorer(p, 'service=checkout');
		assert.match(await p.getAttribute('#fg-canvas', 'aria-label'), /1,000 samples, 15 frames/);
		const rows = await tableRows(p);
		assert.deepEqual(rows[0].slice(0, 5), ['sys_read_[k]', '240', '24.00 %', '240', '24.00 %']);
		assert.deepEqual(rows.find((r) => r[0] === 'com/acme/Json.parse_[j]').slice(0, 5),
			['com/acme/Json.parse_[j]', '130', '13.00 %', '250', '25.00 %']);
		const px = await pixel(p, 3, 0.7);
		assert.notDeepEqual(px, [0, 0, 0], 'handle (app/server.py) is drawn');
		assert.equal((await q(p)).get('range'), '1h');
		assert.deepEqual(p.errors, []);
	}],
	['tooltip: samples, share of total and self of the frame under the mouse', async () => {
		const t = await hover(S.p, 3, 0.7);
		assert.match(t, /^handle \(app\/server\.py\)/);
		assert.match(t, /Samples: 400 \(40\.00 % of total\)/);
		assert.match(t, /Self: 50 \(5\.00 %\)/);
		assert.match(t, /Runtime: Python/);
	}],
	['click zooms on a frame: breadcrumbs, zoom= in the URL, shares of the zoomed frame, reset', async () => {
		const p = S.p;
		// children in name order: java 0-40 %, python3 40-100 % > main >
		// <img..> 40-50 %, handle 50-90 %
		const pt = await frameAt(p, 3, 0.7);
		await p.mouse.click(pt.x, pt.y);
		assert.equal((await q(p)).get('zoom'), 'python3;main (app.py);handle (app/server.py)');
		assert.deepEqual(await p.$$eval('#crumbs li', (l) => l.map((x) => x.textContent)),
			['all', 'python3', 'main (app.py)', 'handle (app/server.py)']);
		// parse_json is 150 of handle's 400: the left 37.5 % of the width.
		const t = await hover(p, 4, 0.2);
		assert.match(t, /^parse_json \(json\.py\)/);
		assert.match(t, /37\.50 % of the zoomed frame/);
		await p.click('#crumbs li:nth-child(2) button');
		assert.equal((await q(p)).get('zoom'), 'python3');
		await p.click('#reset');
		assert.equal((await q(p)).get('zoom'), null);
		assert.equal(await p.isDisabled('#reset'), true);
	}],
	['search: a regular expression highlights frames and shows "matched: x % of samples"', async () => {
		const p = S.p;
		await p.fill('#search', 'parse');
		await p.waitForFunction(() => /Matched/.test(document.getElementById('matched').textContent));
		assert.equal(await matched(p), 'Matched: 40.00 % of samples');
		assert.equal((await q(p)).get('search'), 'parse');
		assert.deepEqual(await pixel(p, 4, 0.55), [240, 111, 208], 'parse_json drawn in the match colour');
		assert.deepEqual(await pixel(p, 1, 0.45), [227, 230, 234], 'python3 dimmed');
		await p.fill('#search', 'sys_read|GC');
		await p.waitForFunction(() => /34\.00/.test(document.getElementById('matched').textContent));
		await p.fill('#search', 'x(');
		await p.waitForFunction(() => /valid regular/.test(document.getElementById('matched').textContent));
		assert.equal(await p.getAttribute('#search', 'aria-invalid'), 'true');
		await p.fill('#search', '');
		await p.waitForFunction(() => document.getElementById('matched').textContent === '');
	}],
	['table: sort by total, and a click on a function highlights it with the table\'s share', async () => {
		const p = S.p;
		await p.click('th button[data-sort="total"]');
		await p.waitForFunction(() => document.querySelector('#functions-body tr td').textContent === 'main (app.py)');
		assert.equal((await q(p)).get('sort'), 'total');
		assert.equal(await p.getAttribute('th:has(button[data-sort="total"])', 'aria-sort'), 'descending');
		const row = (await tableRows(p)).find((r) => r[0] === 'com/acme/Json.parse_[j]');
		await p.click('#functions-body tr[data-fn="com/acme/Json.parse_[j]"] td:nth-child(2)');
		assert.equal(await matched(p), `Function "com/acme/Json.parse_[j]": ${row[4]} of samples clear`);
		assert.equal(row[4], '25.00 %');
		assert.equal((await q(p)).get('fn'), 'com/acme/Json.parse_[j]');
		assert.equal(await p.getAttribute('#functions-body tr[data-fn="com/acme/Json.parse_[j]"]', 'aria-selected'), 'true');
		await p.click('#matched button');
		assert.equal((await q(p)).get('fn'), null);
	}],
	['flame/icicle toggle and the runtime legend change the drawing and the URL', async () => {
		const p = S.p;
		await p.click('#orient');
		assert.equal((await q(p)).get('orient'), 'flame');
		assert.equal(await p.getAttribute('#orient', 'aria-pressed'), 'true');
		const b = await p.$eval('#fg-canvas', (c) => c.getBoundingClientRect().height);
		const rows = Math.round(b / ROW);
		const t = await hover(p, 0, 0.5, 'fg-canvas', rows);
		assert.match(t, /^all/, 'the root is the bottom row');
		await p.click('#orient');
		await p.click('#legend button[data-lang="Java"]');
		assert.equal((await q(p)).get('lang'), 'Java');
		assert.equal(await p.getAttribute('#legend button[data-lang="Java"]', 'aria-pressed'), 'true');
		assert.deepEqual(await pixel(p, 2, 0.7), [227, 230, 234], 'a Python frame is dimmed');
		const java = await pixel(p, 2, 0.2);
		assert.notDeepEqual(java, [227, 230, 234], `a Java frame keeps its colour: ${java}`);
		await p.click('#legend button[data-lang="Java"]');
		assert.equal((await q(p)).get('lang'), null);
	}],
	['filters and time presets: each control changes the request, the view and the URL', async () => {
		const p = S.p;
		p.apiCalls = [];
		await p.selectOption('#f-host', 'web-2');
		await p.waitForFunction(() => /600 samples/.test(document.getElementById('fg-canvas').getAttribute('aria-label')));
		assert.equal((await q(p)).get('host'), 'web-2');
		const f = JSON.parse(lastCall(p, '/api/flamegraph').searchParams.get('filter'));
		assert.deepEqual(f, { id: '', filter: { $and: [{ HostName: { $eq: 'web-2' } }] } });
		await p.selectOption('#f-container', 'api');
		assert.equal((await q(p)).get('container'), 'api');
		await p.waitForFunction(() => true);
		const f2 = JSON.parse(lastCall(p, '/api/flamegraph').searchParams.get('filter'));
		assert.deepEqual(f2.filter.$and, [{ HostName: { $eq: 'web-2' } }, { ContainerName: { $eq: 'api' } }]);
		await p.selectOption('#f-container', '');
		await p.selectOption('#f-host', '');
		await waitGraph(p);
		for (const [v, ms] of [['6h', 6 * 3600e3], ['30d', 30 * 86400e3], ['15m', 15 * 60e3]]) {
			await p.selectOption('#range', v);
			await waitGraph(p);
			const u = lastCall(p, '/api/flamegraph').searchParams;
			assert.match(u.get('startTime'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
			assert.equal(Date.parse(u.get('endTime') + 'Z') - Date.parse(u.get('startTime') + 'Z'), ms, v);
			assert.equal((await q(p)).get('range'), v);
		}
		assert.match(await p.textContent('#range-label'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+05:30 → /);
	}],
	['custom range: entered in UTC or local time, sent as UTC, kept in the URL', async () => {
		const p = S.p;
		await p.selectOption('#range', 'custom');
		await p.selectOption('#zone', 'utc');
		await p.fill('#from', '2026-12-01T08:00:00');
		await p.fill('#to', '2026-12-01T09:30:00');
		await p.click('#apply-range');
		await waitGraph(p);
		let u = lastCall(p, '/api/flamegraph').searchParams;
		assert.equal(u.get('startTime'), '2026-12-01T08:00:00');
		assert.equal(u.get('endTime'), '2026-12-01T09:30:00');
		assert.equal((await q(p)).get('from'), '2026-12-01T08:00:00Z');
		assert.equal((await q(p)).get('zone'), 'utc');
		await p.selectOption('#zone', 'local');
		assert.equal(await p.inputValue('#from'), '2026-12-01T13:30');
		await p.fill('#to', '2026-12-01T16:00:00');
		await p.click('#apply-range');
		await waitGraph(p);
		u = lastCall(p, '/api/flamegraph').searchParams;
		assert.equal(u.get('endTime'), '2026-12-01T10:30:00', '16:00 in UTC+05:30');
		await p.reload();
		await waitGraph(p);
		assert.equal(await p.inputValue('#range'), 'custom');
		assert.equal(await p.inputValue('#to'), '2026-12-01T16:00');
	}],
	['Copy link: a fresh browser opening it gets the same range, filter, zoom and search', async () => {
		const p = S.p;
		await openExplorer(p, 'service=checkout&range=6h&host=web-1');
		const pt = await frameAt(p, 2, 0.7);
		await p.mouse.click(pt.x, pt.y);
		await p.fill('#search', 'json');
		await p.waitForFunction(() => /Matched/.test(document.getElementById('matched').textContent));
		const want = { m: await matched(p), crumbs: await p.textContent('#crumbs') };
		const sent = lastCall(p, '/api/flamegraph').searchParams;
		await p.click('#copy-link');
		const link = await p.textContent('#copied-link');
		assert.equal(await p.evaluate(() => navigator.clipboard.readText()), link);
		assert.match(link, /range=custom/);
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
			assert.equal(want.m, 'Matched: 15.00 % of samples');
			assert.equal(await o.textContent('#crumbs'), want.crumbs);
			assert.equal(await o.inputValue('#search'), 'json');
			assert.equal(await o.inputValue('#f-host'), 'web-1');
		} finally {
			await other.close();
		}
	}],
	['keyboard: the canvas takes focus, arrows move, Enter zooms, Escape zooms out', async () => {
		const p = S.p;
		await openExplorer(p, 'service=checkout');
		let tabs = 0;
		while (tabs++ < 40 && await p.evaluate(() => document.activeElement.id) !== 'fg-canvas')
			await p.keyboard.press('Tab');
		assert.equal(await p.evaluate(() => document.activeElement.id), 'fg-canvas');
		assert.notEqual(await p.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none');
		for (const k of ['ArrowDown', 'ArrowDown', 'ArrowDown'])
			await p.keyboard.press(k);
		// down goes to the widest child; evil.py is handle's left sibling
		assert.match(await p.textContent('#cursor-live'), /^handle \(app\/server\.py\)\. Samples: 400/);
		await p.keyboard.press('ArrowLeft');
		assert.match(await p.textContent('#cursor-live'), /evil\.py/);
		await p.keyboard.press('ArrowRight');
		await p.keyboard.press('Enter');
		assert.equal((await q(p)).get('zoom'), 'python3;main (app.py);handle (app/server.py)');
		await p.keyboard.press('Escape');
		assert.equal((await q(p)).get('zoom'), 'python3;main (app.py)');
	}],
	['sandwich view: callers above and callees below the chosen function', async () => {
		const p = S.p;
		await p.click('#functions-body tr[data-fn="sys_read_[k]"] button[aria-label^="Sandwich"]');
		await p.waitForFunction(() => !document.getElementById('sandwich-view').hidden &&
			document.getElementById('sw-state').hidden);
		assert.equal((await q(p)).get('view'), 'sandwich');
		assert.equal((await q(p)).get('fn'), 'sys_read_[k]');
		assert.match(await p.textContent('#sw-title'), /sys_read_\[k\]/);
		assert.ok(p.apiCalls.some((u) => u.pathname === '/api/flamegraph/functions' &&
			u.searchParams.get('functionName') === 'sys_read_[k]'), 'asked for the function\'s callers/callees');
		// Callers: drawn root at the bottom; 7 rows (all, sys_read, libpq.., python3).
		const h = await p.$eval('#callers-canvas', (c) => c.getBoundingClientRect().height);
		const rows = Math.round(h / ROW);
		assert.equal(rows, 7);
		let t = await hover(p, 2, 0.75, 'callers-canvas', rows);
		assert.match(t, /^libpq_exec \[libpq\.so\]/);
		assert.match(t, /Samples: 120 \(50\.00 % of total\)/);
		t = await hover(p, 2, 0.25, 'callers-canvas', rows);
		assert.match(t, /^com\/acme\/Json\.parse/);
		t = await hover(p, 1, 0.5, 'callees-canvas');
		assert.match(t, /^sys_read_\[k\]/);
		assert.match(t, /Samples: 240/);
		await shot(p, 'explorer-sandwich.png');
	}],
	['compare mode: the planted regression is the top change, red grows, blue shrinks', async () => {
		const p = S.p;
		await openExplorer(p, 'service=checkout');
		await p.click('.tabs button[data-view="compare"]');
		await p.waitForFunction(() => document.querySelector('#table-title').textContent === 'Biggest changes' &&
			document.querySelectorAll('#functions-body tr').length > 0);
		assert.equal((await q(p)).get('view'), 'compare');
		assert.ok((await q(p)).get('bfrom') && (await q(p)).get('bto'), 'base range in the URL');
		const d = lastCall(p, '/api/flamegraph/diff').searchParams;
		assert.equal(Date.parse(d.get('baseEndTime') + 'Z'), Date.parse(d.get('compareStartTime') + 'Z'), 'base = the hour before');
		const rows = await tableRows(p);
		assert.deepEqual(rows[0].slice(0, 4), [REGRESSION, '6.00 %', '32.86 %', '▲ +26.86 pts']);
		assert.match(rows[1][3], /^▼ −/);
		// widths are the mean of both shares: libpq_exec (depth 5) spans
		// 55.71-85.43 % of the width: red; parse_json 42.86-55.71 %: blue.
		const red = await pixel(p, 5, 0.7);
		assert.ok(red[0] > red[2] + 60, `grew is red: ${red}`);
		const blue = await pixel(p, 4, 0.45);
		assert.ok(blue[2] > blue[0] + 20, `parse_json shrank, blue: ${blue}`);
		assert.match(await hover(p, 5, 0.7), /Change: \+23\.43 points \(grew\)/);
		await shot(p, 'explorer-compare.png');
		await p.check('#palette');
		assert.equal((await q(p)).get('palette'), 'cb');
		const orange = await pixel(p, 5, 0.7);
		assert.ok(orange[0] > orange[1] && orange[1] > orange[2], `colour-blind-safe grew is orange: ${orange}`);
		await p.reload();
		await p.waitForFunction(() => document.querySelectorAll('#functions-body tr').length > 0);
		assert.equal(await p.isChecked('#palette'), true);
		assert.equal((await tableRows(p))[0][0], REGRESSION);
	}],
	['ad hoc view\'s "Compare with…" opens compare mode with that profile as the base', async () => {
		const p = S.p;
		await p.goto(`${BASE}/adhoc.html?service=checkout&time=1h`);
		await p.waitForSelector('#files-body tr button');
		const file = await p.$eval('#files-body tr:first-child', (tr) => tr.dataset.file);
		await p.click('#files-body tr:first-child button');
		await p.waitForSelector('#compare-with:not([hidden])');
		await p.click('#compare-with');
		await p.waitForFunction(() => document.querySelectorAll('#functions-body tr').length > 0 &&
			document.querySelector('#table-title').textContent === 'Biggest changes');
		assert.equal((await q(p)).get('bprofile'), file);
		assert.equal(await p.inputValue('#bprofile'), file);
		assert.equal(lastCall(p, '/api/flamegraph/diff').searchParams.get('baseProfile'), file);
		assert.equal((await tableRows(p))[0][0], REGRESSION);
	}],
	['downloads: SVG, HTML and folded stacks of the same query', async () => {
		const p = S.p;
		await openExplorer(p, 'service=checkout&host=web-2', 8);
		const want = lastCall(p, '/api/flamegraph').searchParams;
		for (const [id, fmt] of [['dl-svg', 'svg'], ['dl-html', 'html'], ['dl-folded', 'collapsed']]) {
			const u = new URL(await p.getAttribute(`#${id}`, 'href'), BASE);
			assert.equal(u.searchParams.get('format'), fmt);
			for (const k of ['serviceName', 'startTime', 'endTime', 'filter'])
				assert.equal(u.searchParams.get(k), want.get(k), `${id} ${k}`);
		}
		const [dl] = await Promise.all([p.waitForEvent('download'), p.click('#dl-folded')]);
		const text = fs.readFileSync(await dl.path(), 'utf8');
		assert.match(text, /^python3;main \(app\.py\) 100$/m);
		assert.doesNotMatch(text, /^java/m, 'the host filter applies');
	}],
	['empty range: says there is no data and offers the nearest range with data', async () => {
		const p = S.p;
		await p.goto(`${BASE}/explorer.html?service=sparse&range=1h`);
		await p.waitForSelector('#go-nearest');
		const st = await p.textContent('#fg-state');
		assert.match(st, /^No samples for sparse between \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+05:30 and /);
		assert.match(st, /The nearest data is at/);
		assert.ok(lastCall(p, '/api/flamegraph/datetime_with_data'), 'asked datetime_with_data');
		await p.click('#go-nearest');
		await waitGraph(p);
		assert.equal((await q(p)).get('range'), 'custom');
		assert.match(await p.getAttribute('#fg-canvas', 'aria-label'), /1,000 samples/);
	}],
	['errors show in the page: unknown service, a failing server', async () => {
		const p = S.p;
		await p.goto(`${BASE}/explorer.html?service=nope`);
		await p.waitForSelector('#messages .msg.error');
		assert.match(await p.textContent('#messages'), /Unknown service 'nope'/);
		assert.match(await p.textContent('#fg-state'), /Unknown service 'nope'/);
		await p.route('**/api/flamegraph?*', (r) => r.fulfill({ status: 502, contentType: 'application/json', body: '"Failed getting data"' }));
		try {
			await p.goto(`${BASE}/explorer.html?service=checkout`);
			await p.waitForFunction(() => /Error loading/.test(document.getElementById('fg-state').textContent));
			assert.match(await p.textContent('#fg-state'), /Error loading the flamegraph: Bad Gateway \(502\): Failed getting data/);
			assert.equal(await p.$eval('#fg-state', (e) => e.classList.contains('error')), true);
		} finally {
			await p.unroute('**/api/flamegraph?*');
		}
	}],
	['hostile frame names and tag values are shown as text, never HTML', async () => {
		const p = S.p;
		await openExplorer(p, 'service=checkout');
		assert.equal(await p.evaluate(() => window.__xss), undefined);
		assert.equal(await p.$$eval('img', (i) => i.length), 0);
		assert.ok((await tableRows(p)).some((r) => r[0] === HOSTILE));
		assert.ok(await p.$$eval('#f-host option', (o, s) => o.some((x) => x.textContent === s), HOSTILE));
		// evil.py is under main, after handle: 40 % .. 50 % of the width.
		assert.match(await hover(p, 3, 0.45), new RegExp(`^${HOSTILE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
		await p.fill('#search', '<img');
		await p.waitForFunction(() => /10\.00 %/.test(document.getElementById('matched').textContent));
		assert.equal(await p.evaluate(() => window.__xss), undefined);
	}],
	['100,000 frames: drawn with small frames merged, zoom redraws', async () => {
		const p = S.p;
		await openExplorer(p, 'service=big', 0);
		const label = await p.getAttribute('#fg-canvas', 'aria-label');
		const frames = Number(/([\d,]+) frames/.exec(label)[1].replace(/,/g, ''));
		assert.ok(frames >= 99000, label);
		const pt = await frameAt(p, 1, 0.5);
		await p.mouse.click(pt.x, pt.y);
		assert.match((await q(p)).get('zoom') || '', /^fn_1_0 /);
		assert.deepEqual(p.errors, []);
	}],
	['status page: "View Profile" opens the explorer on that service and host, last hour', async () => {
		const p = S.p;
		await p.goto(`${BASE}/index.html`);
		await p.waitForSelector('#hosts-body tr');
		const row = '#hosts-body tr[data-key$="ip-10-0-1-8"]';
		const [pop] = await Promise.all([S.ctx.waitForEvent('page'), p.click(`${row} a:text("View Profile")`)]);
		await pop.waitForLoadState();
		const u = new URL(pop.url());
		assert.equal(u.pathname, '/explorer.html');
		assert.equal(u.searchParams.get('service'), 'checkout');
		assert.equal(u.searchParams.get('host'), 'ip-10-0-1-8');
		assert.equal(u.searchParams.get('range'), '1h');
		await pop.waitForFunction(() => document.getElementById('f-host').value === 'ip-10-0-1-8');
		await pop.close();
	}],
	['status: a continuous start shows "running until …" from its duration, "completed" only after', async () => {
		const p = S.p;
		const cell = (h) => p.$eval(`#hosts-body tr[data-key$="${h}"] td:nth-child(7)`, (td) => td.textContent);
		// ip-10-0-1-5: started 2 min ago for 3600 s; ip-10-0-1-8: 60 s, 10 min ago.
		assert.match(await cell('ip-10-0-1-5'), /^running until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+05:30$/);
		const until = (await cell('ip-10-0-1-5')).slice('running until '.length, -' UTC+05:30'.length);
		const ms = Date.parse(until.replace(' ', 'T') + '+05:30') - Date.now();
		assert.ok(ms > 3400e3 && ms < 3500e3, `${until} is ~58 min from now`);
		assert.equal(await cell('ip-10-0-1-8'), 'completed');
	}],
	['status: one date format (ISO-like, zone shown) and one clear button in the hosts panel', async () => {
		const p = S.p;
		const ts = await p.$eval('#hosts-body tr td:nth-child(8)', (td) => td.firstChild.textContent);
		assert.match(ts, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+05:30$/);
		const clears = await p.$$eval('section:has(#hosts) button', (b) => b.filter((x) => /clear/i.test(x.textContent) && x.offsetParent).length);
		assert.equal(clears, 1);
		await p.goto(`${BASE}/adhoc.html?service=checkout&time=1h`);
		await p.waitForSelector('#files-body tr');
		const t2 = await p.$eval('#files-body tr td', (td) => td.textContent);
		assert.match(t2, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+05:30$/);
	}],
	['status: the selection stays after Start', async () => {
		const p = S.p;
		await p.goto(`${BASE}/index.html`);
		await p.waitForSelector('#hosts-body tr');
		await p.check('#hosts-body tr[data-key$="ip-10-0-1-6"] input');
		await p.check('#hosts-body tr[data-key$="ip-10-0-1-7"] input');
		await p.click('#start');
		await p.waitForSelector('#confirm[open]');
		const done = p.waitForResponse((r) => r.url().endsWith('/profile_request'));
		await p.click('#confirm-ok');
		await done;
		await p.waitForSelector('#messages .msg.ok');
		await p.waitForFunction(() => !document.getElementById('busy').classList.contains('on'));
		assert.equal(await p.textContent('#start'), 'Start (2)');
		assert.equal(await p.isChecked('#hosts-body tr[data-key$="ip-10-0-1-6"] input'), true);
		assert.equal(await p.isChecked('#hosts-body tr[data-key$="ip-10-0-1-7"] input'), true);
	}],
	['ad hoc: a stale file= link shows a message in the page, no frame and no Download', async () => {
		const p = S.p;
		await p.goto(`${BASE}/adhoc.html?service=checkout&time=1h&file=2020-01-01T00:00:00_${'0'.repeat(32)}_gone_adhoc_flamegraph.html`);
		await p.waitForFunction(() => /cannot be shown/.test(document.getElementById('frame-state').textContent));
		assert.match(await p.textContent('#frame-state'), /Not Found \(404\): Flamegraph file not found/);
		assert.equal(await p.$$eval('#frame-box iframe', (f) => f.length), 0);
		assert.equal(await p.isHidden('#download'), true);
		assert.equal(await p.isHidden('#compare-with'), true);
	}],
	['ad hoc: an unknown service= says it is unknown', async () => {
		const p = S.p;
		await p.goto(`${BASE}/adhoc.html?service=no-such-svc`);
		await p.waitForSelector('#messages .msg.error');
		assert.match(await p.textContent('#messages'), /Unknown service 'no-such-svc'/);
		assert.match(await p.textContent('#list-state'), /Unknown service/);
	}],
	['responsive: at 600 px nothing scrolls sideways; the ad hoc frame fills the viewport', async () => {
		const ctx = await context({ viewport: { width: 600, height: 800 } });
		try {
			const p = await page(ctx);
			for (const u of ['index.html', 'adhoc.html?service=checkout', 'explorer.html?service=checkout']) {
				await p.goto(`${BASE}/${u}`);
				await p.waitForLoadState('networkidle');
				const w = await p.evaluate(() => document.documentElement.scrollWidth);
				assert.ok(w <= 600, `${u}: page is ${w} px wide`);
			}
			await p.goto(`${BASE}/adhoc.html?service=checkout&time=1h`);
			await p.click('#files-body tr:first-child button');
			const fr = await p.waitForSelector('#frame-box iframe');
			const hgt = (await fr.boundingBox()).height;
			assert.ok(hgt >= 800 - 260, `frame is ${hgt} px of an 800 px viewport`);
		} finally {
			await ctx.close();
		}
	}],
	['the pages run under a CSP without unsafe-inline scripts: no violation on any view', async () => {
		const ctx = await context();
		try {
			await ctx.addInitScript(() => {
				window.__csp = [];
				document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
			});
			const p = await page(ctx);
			for (const u of ['index.html', 'adhoc.html?service=checkout&time=1h', 'explorer.html?service=checkout',
				'explorer.html?service=checkout&view=sandwich&fn=sys_read_%5Bk%5D', 'explorer.html?service=checkout&view=compare']) {
				const res = await p.goto(`${BASE}/${u}`);
				assert.match(res.headers()['content-security-policy'], /script-src 'self';/);
				await p.waitForLoadState('networkidle');
				assert.deepEqual(await p.evaluate(() => window.__csp), [], u);
				assert.deepEqual(p.errors, [], u);
			}
			assert.equal(await p.$$eval('script:not([src]), [onclick], [onload], [onchange]', (x) => x.length), 0);
		} finally {
			await ctx.close();
		}
	}],
	['screenshot of the explorer is saved', async () => {
		const p = S.p;
		await openExplorer(p, 'service=checkout&search=json');
		const pt = await frameAt(p, 4, 0.55);
		await p.mouse.move(pt.x, pt.y);
		await p.waitForSelector('#tooltip:not([hidden])');
		await shot(p, 'explorer.png');
		assert.ok(fs.statSync(path.join(ART, 'explorer.png')).size > 10000);
	}],
];

if (process.argv[2] === '--list') {
	for (const [name] of TESTS)
		console.log(name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60));
	process.exit(0);
}

let n = 0, failed = 0;
fs.mkdirSync(ART, { recursive: true });
try {
	await startMock();
	browserProc = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
} catch (e) {
	console.log(`not ok 1 - explorer tests start (mock server + chromium)\n#   ${e.message}`);
	console.log('1..1');
	server?.kill();
	process.exit(1);
}
const only = process.env.EMBER_ONLY ? new RegExp(process.env.EMBER_ONLY) : null;
for (const [name, fn] of TESTS) {
	n++;
	if (only && !only.test(name) && n > 1) {
		console.log(`ok ${n} - ${name} # SKIP EMBER_ONLY`);
		continue;
	}
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
				await S.p.screenshot({ path: path.join(ART, `explorer-fail-${n}.png`) });
			} catch (e2) { /* ignore */ }
		}
	}
}
await browserProc.close();
server.kill();
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
