// mock-server.mjs - a tiny stand-in for the ember API, for working on the
// UI without the C stack: node mock-server.mjs PORT [STATIC_DIR].
// It serves static/ and answers the UI's calls with upstream's JSON
// shapes (reference/golden).  POSTs are recorded at /__mock/requests.
// ui.test.mjs runs against the real stack; explorer.test.mjs runs
// against this server (the continuous-profile API it serves is in
// mock-profiles.mjs).  Port 0 picks a free port; the first line printed
// is "mock on http://127.0.0.1:PORT/".

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as M from './mock-profiles.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.argv[2] ?? 8099);
const root = path.resolve(process.argv[3] || path.join(here, '../../static'));
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png' };

const now = Date.now();
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, '');
const hosts = [];
for (let i = 0; i < 12; i++) {
	hosts.push({ id: i + 1, service_name: i < 8 ? 'checkout' : 'search', hostname: `ip-10-0-1-${i + 5}`,
		ip_address: `10.0.1.${i + 5}`, pids: i === 3 ? [1234, 5678] : [],
		command_type: i % 3 === 0 ? 'start' : (i % 3 === 1 ? 'N/A' : 'stop'),
		profiling_status: i % 3 === 0 ? 'completed' : (i % 3 === 1 ? 'stopped' : 'pending'),
		heartbeat_timestamp: iso(now - i * 45e3) + '.123456' });
}
// The start commands' run: host 0 runs continuously for an hour from two
// minutes ago (still running); host 3 ran ad hoc for 60 s ten minutes ago.
// As ember-fcgi: every row has the three fields (null without a command).
for (const x of hosts) {
	Object.assign(x, { continuous: false, duration: x.command_type === 'start' ? 60 : null,
		command_started_at: x.command_type === 'N/A' ? null : iso(now - 3600e3) + 'Z' });
}
Object.assign(hosts[0], { continuous: true, duration: 3600, command_started_at: iso(now - 120e3) + 'Z' });
Object.assign(hosts[3], { continuous: false, duration: 60, command_started_at: iso(now - 600e3) + 'Z' });
const files = [];
for (let i = 0; i < 60; i++) {
	const t = iso(now - i * 55e3);
	const host = `ip-10-0-1-${5 + (i % 3)}`;
	const fn = `${t}_${(i + 1).toString(16).padStart(32, '0')}_${host}_adhoc_flamegraph.html`;
	files.push({ filename: fn, timestamp: t + 'Z', hostname: host, size: 4096 + i * 1000,
		s3_path: `products/checkout/stacks/flamegraph/${fn}`, perf_events: i % 2 ? ['cycles'] : [],
		removed: i === 2, s3_key: `products/checkout/stacks/flamegraph/${fn}`, start_time: t + 'Z',
		end_time: t + 'Z', exists: i !== 2 });
}
const posts = [];

function json(res, code, body) {
	const s = JSON.stringify(body);
	res.writeHead(code, { 'Content-Type': 'application/json' });
	res.end(s);
}

// The continuous-profile API (the explorer's).
const SPARSE_AT = Math.floor((now - 3 * 86400e3) / 60e3) * 60e3;	// sparse's only data
const trees = {};
// treeOf(svc, q, side): the tree of one side ('' or base / compare).
function treeOf(svc, q, side = '') {
	const key = (k) => (side ? side + k[0].toUpperCase() + k.slice(1) : k);
	const utc = (v) => Date.parse(/Z$/.test(v) ? v : v + 'Z');
	const start = utc(q.get(key('startTime'))), end = utc(q.get(key('endTime')));
	let host = '';
	if (q.get(key('filter')))
		host = (JSON.parse(q.get(key('filter'))).filter.$and.find((t) => t.HostName) || {}).HostName?.$eq || '';
	if (svc === 'checkout')
		return M.hostTree(host);
	if (svc === 'sparse')
		return start <= SPARSE_AT && SPARSE_AT <= end ? M.checkoutTree() : M.emptyTree();
	if (svc === 'big' || svc === 'bench20k')
		return trees[svc] || (trees[svc] = M.bigTree(svc === 'big' ? 100000 : 20000));
	return null;
}

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?$/;

// The continuous-profile endpoints, answered as ember-fcgi answers them
// (fcgi/h_flamegraph.c): an unknown service 406 with a bare string, bad
// times 422 in FastAPI's shape, no data 200 with value 0 (204 for the
// rendered formats).
function flamegraph(res, p, q) {
	const svc = q.get('serviceName');
	const known = ['checkout', 'sparse', 'big', 'bench20k'].includes(svc);
	if (!known)
		return json(res, 406, `service ${svc} doesn't exists`);
	const times = (prefix) => (prefix ? [`${prefix}StartTime`, `${prefix}EndTime`] : ['startTime', 'endTime']);
	const bad = (keys) => keys.filter((k) => !TIME.test(q.get(k) || ''));
	const unprocessable = (keys) => json(res, 422, { detail: keys.map((k) => (q.get(k) ?
		{ loc: ['query', k], msg: 'invalid datetime format', type: 'value_error.datetime' } :
		{ loc: ['query', k], msg: 'field required', type: 'value_error.missing' })) });
	if (p === '/flamegraph/diff') {
		const sides = [];
		for (const k of ['base', 'compare']) {
			const prof = q.get(`${k}Profile`);
			if (prof) {
				if (!files.some((f) => f.filename === prof || f.s3_key === prof))
					return json(res, 404, { message: `${k}Profile not found` });
				sides.push(M.checkoutTree());
				continue;
			}
			if (bad(times(k)).length)
				return unprocessable(bad(times(k)));
			// checkout's compare side (a range) carries the planted regression
			sides.push(svc === 'checkout' && k === 'compare' ? M.regressedTree() : treeOf(svc, q, k));
		}
		return json(res, 200, { ...M.diffAnswer(sides[0], sides[1]), exec_time: 0.01 });
	}
	if (p === '/flamegraph/datetime_with_data') {
		const [a, b] = svc === 'sparse' ? [SPARSE_AT, SPARSE_AT + 60e3] : svc === 'checkout' ?
			[now - 7 * 86400e3, Math.floor(now / 60e3) * 60e3 + 60e3] : [0, 60e3];
		return json(res, 200, { firstDateTime: iso(a) + '+00:00', lastDateTime: iso(b) + '+00:00' });
	}
	if (bad(times('')).length)
		return unprocessable(bad(times('')));
	const tree = treeOf(svc, q, '');
	if (p === '/flamegraph/functions') {
		const fn = q.get('functionName');
		if (fn) {
			const sw = M.sandwichAnswer(tree, fn);
			return sw ? json(res, 200, sw) : json(res, 404, { message: 'function not found' });
		}
		return json(res, 200, M.functionsAnswer(tree, q));
	}
	if (p === '/flamegraph') {
		const fmt = q.get('format');
		if (fmt) {
			if (!tree.value) {
				res.writeHead(204);
				return res.end();
			}
			res.writeHead(200, { 'Content-Type': fmt === 'svg' ? 'image/svg+xml' : fmt === 'html' ? 'text/html; charset=utf-8' :
				'text/plain; charset=utf-8' });
			return res.end(fmt === 'svg' ? '<svg xmlns="http://www.w3.org/2000/svg"><text>mock</text></svg>' :
				fmt === 'html' ? '<!DOCTYPE html><title>mock</title>' : M.folded(tree).join('\n') + '\n');
		}
		return json(res, 200, { ...M.apiTree(tree), exec_time: 0.01, olap_time: 0.005, percentiles: {} });
	}
	return json(res, 404, { detail: 'Not Found' });
}

function api(req, res, u, body) {
	const q = u.searchParams;
	const p = u.pathname.replace(/^\/api/, '');

	if (p === '/metrics/profiling/host_status') {
		let out = hosts;
		const like = (k, f) => {
			const v = q.get(k);
			if (v)
				out = out.filter((x) => String(x[f]).toLowerCase().includes(v.toLowerCase()));
		};
		like('service_name', 'service_name');
		like('hostname', 'hostname');
		like('ip_address', 'ip_address');
		if (q.get('profiling_status'))
			out = out.filter((x) => x.profiling_status === q.get('profiling_status'));
		if (q.get('command_type'))
			out = out.filter((x) => x.command_type === q.get('command_type'));
		if (q.getAll('pids').length)
			out = out.filter((x) => x.pids.some((y) => q.getAll('pids').includes(String(y))));
		return json(res, 200, out);
	}
	if (p === '/metrics/profile_request' && req.method === 'POST') {
		const b = JSON.parse(body);
		posts.push(b);
		if (b.service_name === 'search')
			return json(res, 500, 'Failed to save profiling request to database');
		for (const hn of Object.keys(b.target_hosts || {})) {
			const x = hosts.find((y) => y.hostname === hn && y.service_name === b.service_name);
			if (x) {
				x.command_type = b.request_type;
				x.profiling_status = 'pending';
			}
		}
		const n = Object.keys(b.target_hosts || {}).length;
		return json(res, 200, { success: true, message: `${b.request_type === 'start' ? 'Start' : 'Stop'} profiling request submitted successfully for service '${b.service_name}' across ${n} hosts`,
			request_id: '00000000-0000-4000-8000-000000000000', command_ids: [], estimated_completion_time: null });
	}
	if (p === '/services')
		return json(res, 200, ['checkout', 'search', 'sparse', 'big', 'bench20k'].map((name, i) => ({ name, serviceId: i + 1 })));
	if (p.startsWith('/v1/filters/tags/')) {
		const svc = q.get('serviceName');
		const vals = {
			HostName: ['ip-10-0-1-5', 'ip-10-0-1-6', 'ip-10-0-1-7', 'web-1', 'web-2', M.HOSTILE],
			ContainerName: ['api', 'worker'], ContainerEnvName: ['prod'], InstanceType: ['m5.large'],
		}[p.slice('/v1/filters/tags/'.length)];
		if (!vals)
			return json(res, 422, { detail: [{ loc: ['path', 'filter_type'], msg: 'bad filter type', type: 'value_error' }] });
		if (svc !== 'checkout') {
			res.writeHead(204);
			return res.end();
		}
		return json(res, 200, vals.map((name) => ({ name, samples: p.endsWith('HostName') ? null : '123' })));
	}
	if (p.startsWith('/flamegraph'))
		return flamegraph(res, p, q);
	if (p === '/metrics/adhoc_flamegraphs') {
		if (q.get('serviceName') !== 'checkout')
			return json(res, 200, []);
		let out = files.filter((f) => f.timestamp >= q.get('startTime').replace(/\.\d+Z$/, 'Z') &&
			f.timestamp <= q.get('endTime').replace(/\.\d+Z$/, 'Z'));
		if (q.get('filter')) {
			const h = JSON.parse(q.get('filter')).filter.$and[0].HostName.$eq;
			out = out.filter((f) => f.hostname === h);
		}
		const off = Number(q.get('offset') || 0), lim = Number(q.get('limit') || 1e9);
		return json(res, 200, out.slice(off, off + lim));
	}
	if (p === '/metrics/adhoc_flamegraph_content') {
		const f = files.find((x) => x.filename === q.get('filename'));
		if (!f || f.removed)
			return json(res, 404, 'Flamegraph file not found');
		res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8',
			'Content-Security-Policy': 'sandbox allow-scripts' });
		return res.end(`<!DOCTYPE html><html><body style="font:14px sans-serif"><h1>Flamegraph ${f.hostname}</h1>
<p>${f.timestamp}</p><div style="background:#e76f51;height:20px;width:90%"></div>
<div style="background:#f4a261;height:20px;width:60%"></div></body></html>`);
	}
	if (p === '/__mock/requests')
		return json(res, 200, posts);
	return json(res, 404, { detail: 'Not Found' });
}

const server = http.createServer((req, res) => {
	const u = new URL(req.url, 'http://x');
	let body = '';

	req.on('data', (c) => { body += c; });
	req.on('end', () => {
		if (u.pathname.startsWith('/api/') || u.pathname.startsWith('/__mock/'))
			return api(req, res, u, body);
		let f = path.join(root, path.normalize(decodeURIComponent(u.pathname)).replace(/^(\.\.[/\\])+/, ''));
		if (u.pathname.endsWith('/'))
			f = path.join(f, 'index.html');
		if (!f.startsWith(root) || !fs.existsSync(f) || fs.statSync(f).isDirectory()) {
			res.writeHead(404);
			return res.end('not found');
		}
		// The pages' policy: scripts from our origin only, no inline script.
		const csp = f.endsWith('.html') ? { 'Content-Security-Policy': "default-src 'self'; script-src 'self'; " +
			"style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; object-src 'none'; " +
			"base-uri 'self'; frame-ancestors 'self'" } : {};
		res.writeHead(200, { 'Content-Type': types[path.extname(f)] || 'application/octet-stream', ...csp });
		fs.createReadStream(f).pipe(res);
	});
});
server.listen(port, '127.0.0.1', () => console.log(`mock on http://127.0.0.1:${server.address().port}/`));
