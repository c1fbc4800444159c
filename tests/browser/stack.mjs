// stack.mjs - helpers for the browser tests that run against the real
// stack started by run.sh: the environment, psql, the agent endpoints
// (heartbeat, gzip upload), a fresh Chromium, and the TAP runner.
//
// Environment (run.sh sets it): EMBER_BASE_URL, EMBER_TEST_KEY,
// EMBER_TEST_USER ("user:password" when lighttpd asks for basic auth),
// PG* (psql), EMBER_ARTIFACTS, EMBER_CHROMIUM.

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

export const BASE = process.env.EMBER_BASE_URL;
export const KEY = process.env.EMBER_TEST_KEY;
export const USER = process.env.EMBER_TEST_USER || '';
export const ART = process.env.EMBER_ARTIFACTS || path.resolve('artifacts');
const CHROMIUM = process.env.EMBER_CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--no-first-run', '--disable-background-networking', '--disable-component-update',
	'--disable-sync'];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// naive(ms): the zone-less UTC time the agents send.
export const naive = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, '');

export function psql(sql) {
	return execFileSync('psql', ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql],
		{ encoding: 'utf8' }).trim();
}

// The Authorization header of the operator USER (none without one).
export function operatorAuth() {
	return USER ? { Authorization: `Basic ${Buffer.from(USER).toString('base64')}` } : {};
}

// post(path, body, headers): a POST from outside the browser; the answer
// as { status, text, json }.
export async function post(p, body, headers = {}) {
	const res = await fetch(BASE + p, { method: 'POST', body,
		headers: { 'Content-Type': 'application/json', ...headers } });
	const text = await res.text();
	let json = null;
	try {
		json = JSON.parse(text);
	} catch (e) { /* not JSON */ }
	return { status: res.status, text, json };
}

// heartbeat({service, host, ip}, extra): an agent's heartbeat.
export function heartbeat(h, extra = {}) {
	return post('/api/metrics/heartbeat', JSON.stringify({
		ip_address: h.ip, hostname: h.host, service_name: h.service, status: 'active',
		timestamp: naive(Date.now()), received_command_ids: [], executed_command_ids: [], ...extra,
	}), { Authorization: `Bearer ${KEY}` });
}

// upload({service, host, start, html, commandId}): an agent's gzip
// profile upload carrying html as its flamegraph_html.
export async function upload(f) {
	const header = {
		containers: [], container_names_enabled: false,
		metadata: {
			hostname: f.host, agent_version: '1.53.1', cloud_provider: 'unknown', run_mode: 'standalone_executable',
			run_arguments: { continuous: false, duration: 60, frequency: 11, profiling_mode: 'cpu', flamegraph: true,
				perf_mode: 'fp', perf_events: 'cycles', service_name: f.service },
		},
		metrics: { cpu_avg: 8.8, mem_avg: 39.8 }, application_metadata: [null], application_metadata_enabled: true,
		profiling_mode: 'cpu', hwmetrics: null, htmlblob: null, flamegraph_html: f.html,
		...(f.commandId ? { command_id: f.commandId } : {}),
	};
	const body = JSON.stringify({
		start_time: naive(f.start), end_time: naive(f.start + 60e3), hostname: f.host,
		profile: `# ${JSON.stringify(header)}\n0;;python3;main;foo 12\n0;;python3;main;bar 3`,
		cpu_avg: 8.8, mem_avg: 39.8, spawn_time: naive(f.start - 3600e3), gpid: '',
	});
	const q = new URLSearchParams({ key: KEY, service: f.service, hostname: f.host,
		timestamp: naive(Date.now()), version: '1.53.1' });
	const res = await fetch(`${BASE}/api/v2/profiles?${q}`, {
		method: 'POST', body: zlib.gzipSync(body),
		headers: { 'GPROFILER-API-KEY': KEY, 'GPROFILER-SERVICE-NAME': f.service,
			'Content-Encoding': 'gzip', 'Content-type': 'application/json' },
	});
	return { status: res.status, text: await res.text() };
}

// waitFor(fn, what, ms): poll fn until it returns a truthy value.
export async function waitFor(fn, what, ms = 30000) {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() > end)
			throw new Error(`timed out waiting for ${what}`);
		await sleep(200);
	}
}

// browser(opts): a fresh Chromium with its own new user-data-dir, logged
// in as USER when there is one.
const dirs = [];
process.on('exit', () => {
	for (const d of dirs)
		fs.rmSync(d, { recursive: true, force: true });
});
export async function browser(opts = {}) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ember-chromium-'));
	dirs.push(dir);
	const [username, ...pw] = USER.split(':');
	const ctx = await chromium.launchPersistentContext(dir, {
		executablePath: CHROMIUM, headless: true, args: ARGS, locale: 'en-US',
		viewport: { width: 1280, height: 800 },
		...(USER ? { httpCredentials: { username, password: pw.join(':') } } : {}), ...opts,
	});
	ctx.setDefaultTimeout(10000);
	return ctx;
}

// page(ctx): its first page, with uncaught errors collected in .errors.
export async function page(ctx) {
	const p = ctx.pages()[0] || await ctx.newPage();
	p.errors = [];
	p.on('pageerror', (e) => p.errors.push(e.message));
	return p;
}

// runTap(TESTS, onFail): run [name, fn] pairs in order (each for at most
// TEST_MS), print TAP and resolve to the number failed; `--list` prints
// the names and exits.  onFail(n) runs after a failure (screenshots).
const TEST_MS = 60000;
export async function runTap(tests, onFail = async () => {}) {
	if (process.argv[2] === '--list') {
		for (const [name] of tests)
			console.log(name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60));
		process.exit(0);
	}
	let n = 0, failed = 0;
	fs.mkdirSync(ART, { recursive: true });
	for (const [name, fn] of tests) {
		n++;
		let timer;
		try {
			await Promise.race([fn(), new Promise((resolve, reject) => {
				timer = setTimeout(() => reject(new Error(`over ${TEST_MS / 1000} s`)), TEST_MS);
			})]);
			console.log(`ok ${n} - ${name}`);
		} catch (e) {
			failed++;
			console.log(`not ok ${n} - ${name}`);
			const msg = String(e && e.message || e).split('\n').filter((x) => x.trim()).slice(0, 8);
			const at = String(e && e.stack || '').split('\n').find((x) => /^\s+at /.test(x));
			for (const line of [...msg, ...(at ? [at.trim()] : [])])
				console.log(`#   ${line}`);
			try {
				await onFail(n);
			} catch (e2) { /* ignore */ }
		} finally {
			clearTimeout(timer);
		}
	}
	console.log(`1..${n}`);
	return failed;
}
