#!/usr/bin/env node
// bench/explorer-paint.mjs - how fast the explorer draws a big tree, in
// headless Chromium through playwright-core, from Chromium's performance
// timeline (run by hand, not in CI; the numbers depend on the machine).
//
//   node bench/explorer-paint.mjs [--runs N] [--service bench20k|big]
//
// Serves static/ with tests/browser/mock-server.mjs, whose service
// "bench20k" answers a 20,000-node tree ("big": 100,000).  For each run it
// loads the explorer and reads:
//   first paint  the explorer's ember:painted mark (the frame after the
//                tree was drawn) minus the flamegraph response's
//                responseEnd (resource timing): parse + layout + draw
//   draw         ember:drawn minus responseEnd (no frame wait)
//   zoom         ember:zoom measures of clicks on frames (redraw only)
// and prints the median and worst of each.  Targets: first paint <= 200 ms
// for 20,000 nodes, zoom <= 16 ms.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../tests/browser/package.json'));
const { chromium } = require('playwright-core');

const arg = (k, d) => {
	const i = process.argv.indexOf(k);
	return i > 0 ? process.argv[i + 1] : d;
};
const RUNS = Number(arg('--runs', 7));
const SERVICE = arg('--service', 'bench20k');

const mock = spawn(process.execPath, [path.join(here, '../tests/browser/mock-server.mjs'), '0'],
	{ stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve) => mock.stdout.once('data', (d) =>
	resolve(/http:\/\/[\d.:]+/.exec(String(d))[0])));
const browser = await chromium.launch({ executablePath: process.env.EMBER_CHROMIUM || '/usr/bin/chromium',
	args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const first = [], drawn = [], zoom = [];
let frames = 0;

try {
	for (let r = 0; r < RUNS; r++) {
		const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
		await p.goto(`${base}/explorer.html?service=${SERVICE}`);
		await p.waitForFunction(() => performance.getEntriesByName('ember:painted').length > 0, null, { timeout: 30000 });
		const t = await p.evaluate(() => {
			const res = performance.getEntriesByType('resource')
				.filter((e) => /\/api\/flamegraph\?/.test(e.name)).pop();
			return { end: res.responseEnd, drawn: performance.getEntriesByName('ember:drawn')[0].startTime,
				painted: performance.getEntriesByName('ember:painted')[0].startTime,
				label: document.getElementById('fg-canvas').getAttribute('aria-label') };
		});
		frames = Number(/([\d,]+) frames/.exec(t.label)[1].replace(/,/g, ''));
		first.push(t.painted - t.end);
		drawn.push(t.drawn - t.end);
		const box = await p.$eval('#fg-canvas', (c) => { const b = c.getBoundingClientRect(); return { x: b.x, y: b.y, w: b.width }; });
		// zoom in along the left edge, then out via the root row
		for (const [depth, f] of [[1, 0.5], [2, 0.02], [3, 0.02], [4, 0.02], [0, 0.5]])
			await p.mouse.click(box.x + box.w * f, box.y + depth * 18 + 9);
		zoom.push(...await p.evaluate(() => performance.getEntriesByName('ember:zoom').map((e) => e.duration)));
		await p.close();
	}
} finally {
	await browser.close();
	mock.kill();
}

const stat = (a) => {
	const s = [...a].sort((x, y) => x - y);
	return `median ${s[Math.floor(s.length / 2)].toFixed(1)} ms, worst ${s[s.length - 1].toFixed(1)} ms (n=${s.length})`;
};
console.log(`explorer, service ${SERVICE}: ${frames} frames, ${RUNS} page loads`);
console.log(`  first paint after the response: ${stat(first)}   (target <= 200 ms for 20,000 nodes)`);
console.log(`  tree drawn after the response:  ${stat(drawn)}`);
console.log(`  zoom redraw:                    ${stat(zoom)}   (target <= 16 ms)`);
