// mock-server.mjs - a tiny stand-in for the ember API, for working on the
// UI without the C stack: node mock-server.mjs PORT [STATIC_DIR].
// It serves static/ and answers the UI's calls with upstream's JSON
// shapes (reference/golden).  POSTs are recorded at /__mock/requests.
// The browser tests run against the real stack (run.sh), not this.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.argv[2] || 8099);
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
		return json(res, 200, [{ name: 'checkout', serviceId: 1 }, { name: 'search', serviceId: 2 }]);
	if (p === '/v1/filters/tags/HostName')
		return json(res, 200, q.get('serviceName') === 'checkout' ? ['ip-10-0-1-5', 'ip-10-0-1-6', 'ip-10-0-1-7'] : []);
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

http.createServer((req, res) => {
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
		res.writeHead(200, { 'Content-Type': types[path.extname(f)] || 'application/octet-stream' });
		fs.createReadStream(f).pipe(res);
	});
}).listen(port, '127.0.0.1', () => console.log(`mock on http://127.0.0.1:${port}/`));
