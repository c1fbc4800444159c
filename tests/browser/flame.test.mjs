// flame.test.mjs - the renderer's self-contained HTML page in a real
// headless Chromium with every network request blocked: it draws, shows
// tooltips with samples and share, searches by regular expression with
// "matched: x %", zooms on click, resets, toggles icicle/flame from the
// keyboard, and hostile frame names run no script.
//
//   node flame.test.mjs PAGE.html DIFF.html   (t_flame_browser.sh makes both)
//
// Prints TAP.  The page is served from a made-up origin through
// page.route(); any other request is aborted and counted as a failure.

import { chromium } from 'playwright-core';
import fs from 'node:fs';

const [page1, page2] = process.argv.slice(2);
const CHROMIUM = process.env.EMBER_CHROMIUM || '/usr/bin/chromium';
let n = 0;
let failed = 0;

function ok(cond, name, extra) {
	n++;
	if (cond) {
		console.log(`ok ${n} - ${name}`);
	} else {
		failed++;
		console.log(`not ok ${n} - ${name}`);
		if (extra !== undefined)
			console.log(`#   ${JSON.stringify(extra)}`);
	}
}

async function open(browser, file) {
	const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
	const state = { other: [], dialogs: 0, errors: [] };
	await page.route('**/*', (route) => {
		const url = route.request().url();
		if (url === 'http://flame.test/page.html')
			return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8',
				body: fs.readFileSync(file) });
		state.other.push(url);
		return route.abort();
	});
	page.on('dialog', (d) => { state.dialogs++; d.dismiss(); });
	page.on('pageerror', (e) => state.errors.push(String(e)));
	await page.goto('http://flame.test/page.html');
	await page.waitForFunction(() => window.flamegraph && window.flamegraph.frames().length > 1);
	return { page, state };
}

// The centre of the first drawn frame named `name`, in page coordinates.
async function where(page, name) {
	return page.evaluate((nm) => {
		const c = document.getElementById('fl-canvas').getBoundingClientRect();
		const f = window.flamegraph.frames().find((x) => x.name === nm);
		return f ? { x: c.left + f.x + f.w / 2, y: c.top + f.y + f.h / 2, i: f.i, w: f.w } : null;
	}, name);
}

const browser = await chromium.launch({ executablePath: CHROMIUM,
	args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
try {
	const { page, state } = await open(browser, page1);
	const count = await page.evaluate(() => window.flamegraph.count);
	ok(count === 8, 'the page holds every frame', count);

	// tooltip: samples and share
	let p = await where(page, 'com/acme/Worker.process_[i]');
	ok(p !== null, 'a frame is drawn');
	await page.mouse.move(p.x, p.y);
	const tip = await page.$eval('#fl-tip', (e) => ({ shown: getComputedStyle(e).display !== 'none', text: e.textContent }));
	ok(tip.shown && /60 samples \(42\.86 %\)/.test(tip.text), 'tooltip: samples and share', tip);

	// regex search
	await page.fill('#fl-search', 'Worker|handle');
	const matched = await page.$eval('#fl-matched', (e) => e.textContent);
	ok(matched === 'matched: 57.14 %', 'regex search: matched x %', matched);
	await page.fill('#fl-search', '(unclosed');
	ok(await page.$eval('#fl-matched', (e) => e.textContent) === 'matched: 0.00 %',
		'a bad regex searches literally');

	// click to zoom, then Escape resets
	p = await where(page, 'java/lang/Thread.run_[j]');
	await page.mouse.click(p.x, p.y);
	let st = await page.evaluate(() => window.flamegraph.state());
	ok(st.zoom === p.i, 'click zooms on the frame', st);
	const zoomed = await where(page, 'java/lang/Thread.run_[j]');
	ok(zoomed && zoomed.w > p.w, 'the zoomed frame fills the width', [p.w, zoomed && zoomed.w]);
	await page.mouse.move(zoomed.x, zoomed.y);
	ok(/of the zoomed frame|90 samples/.test(await page.$eval('#fl-tip', (e) => e.textContent)),
		'tooltip after zoom');
	await page.click('#fl-reset');
	st = await page.evaluate(() => window.flamegraph.state());
	ok(st.zoom === -1, 'Reset zoom', st);
	await page.mouse.click(p.x, p.y);
	await page.keyboard.press('Escape');
	st = await page.evaluate(() => window.flamegraph.state());
	ok(st.zoom === -1, 'Escape resets the zoom', st);

	// keyboard: i toggles icicle/flame, / focuses the search box
	const inv0 = st.inverted;
	await page.keyboard.press('i');
	st = await page.evaluate(() => window.flamegraph.state());
	ok(st.inverted === !inv0, 'i toggles icicle / flame', st);
	await page.keyboard.press('/');
	ok(await page.evaluate(() => document.activeElement.id) === 'fl-search', '/ focuses the search box');

	// hostile names: shown as text, no script ran
	ok(await page.evaluate(() => window.flamegraph.names.includes('</script><script>alert(1)</script>')),
		'a </script> frame name is data, not markup');
	ok(state.dialogs === 0, 'no script from a frame name ran', state.dialogs);
	ok(state.errors.length === 0, 'no page errors', state.errors);
	ok(state.other.length === 0, 'no request to any other URL', state.other);
	await page.screenshot({ path: (process.env.EMBER_ARTIFACTS || '/tmp') + '/flame-page.png' });

	// the diff page
	const d = await open(browser, page2);
	const leg = await d.page.$eval('#fl-legend', (e) => e.textContent);
	ok(/grew/.test(leg) && /shrank/.test(leg), 'diff page: legend', leg);
	p = await where(d.page, 'python3');
	await d.page.mouse.move(p.x, p.y);
	const dt = await d.page.$eval('#fl-tip', (e) => e.textContent);
	ok(/change: \+100\.00 %/.test(dt), 'diff page: tooltip shows the change of share', dt);
	ok(d.state.other.length === 0 && d.state.errors.length === 0, 'diff page: no requests, no errors',
		d.state);
} catch (e) {
	ok(false, 'browser run', String(e && e.stack || e));
} finally {
	await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
