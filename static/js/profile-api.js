// profile-api.js - every call the flamegraph explorer makes, and the
// parsing of each answer into the shapes the page draws.  Keep the
// knowledge of the server's JSON here: if a response shape changes, this
// is the one file to adapt.
//
// Shapes the page gets back:
//   flat tree (parseTree / parseDiff): parallel arrays in depth-first
//     order, see flatten() below;
//   functions: {total, count, rows: [{name, self, total, selfShare, totalShare}]}
//   buckets:   [{time: Date, samples: N}] (datetime_with_data)
//   tags:      ["h1", ...]

import { api, apiUrl, parseUtc } from './util.js';

// The runtimes the server names with enrichment=lang, in legend order.
export const LANGS = ['Python', 'Java', 'Go', 'C++', 'Node', 'Ruby', 'PHP', '.NET', 'Kernel', 'Other'];

// Filter keys: URL parameter -> tag endpoint / RQL key.
export const TAGS = [
	{ url: 'host', key: 'HostName', label: 'Host' },
	{ url: 'container', key: 'ContainerName', label: 'Container' },
	{ url: 'env', key: 'ContainerEnvName', label: 'Container env' },
	{ url: 'itype', key: 'InstanceType', label: 'Instance type' },
];

// apiTime(d): "2026-12-06T10:00:00", the server's UTC form.
export function apiTime(d) {
	return d.toISOString().replace(/\.\d+Z$/, '');
}

// rql(filters): the RQL filter string for {HostName: "h1", ...}, or ''.
export function rql(filters) {
	const terms = Object.entries(filters || {}).filter(([, v]) => v)
		.map(([k, v]) => ({ [k]: { $eq: v } }));

	return terms.length ? JSON.stringify({ id: '', filter: { $and: terms } }) : '';
}

// flatten(root, weight): a tree of {name, suffix?, children, ...} as
// arrays in depth-first order, so a subtree is the index range
// [i, end[i]).  weight(node) is the width a node gets (inclusive).
//   label[i]  name + suffix (what is drawn and searched)
//   fname[i]  the function name (name without the runtime suffix)
//   lang[i]   index into LANGS
//   depth, parent, end, prev (previous sibling or -1), x (offset), w
//   self[i]   w - sum of the children's w
function flatten(root, weight, extra) {
	const label = [], fname = [], langs = [], depth = [], parent = [], end = [];
	const prev = [], x = [], w = [], self = [], ext = extra ? [] : null;
	const lastChild = new Map();
	const wt = (n) => Math.max(0, Number(weight(n)) || 0);
	let maxDepth = 0;
	// Iterative walk: deep stacks must not overflow the JS stack.
	const stack = [{ node: root, d: 0, p: -1, off: 0 }];

	while (stack.length) {
		const it = stack.pop();
		if (it.close !== undefined) {
			end[it.close] = label.length;
			continue;
		}
		const n = it.node && typeof it.node === 'object' ? it.node : {};
		const i = label.length;
		const name = typeof n.name === 'string' ? n.name : String(n.name ?? '');
		const suffix = typeof n.suffix === 'string' ? n.suffix : '';
		const wi = wt(n);
		const li = LANGS.indexOf(n.language);

		label.push(i === 0 ? 'all' : name + suffix);
		fname.push(i === 0 ? 'all' : name);
		langs.push(li < 0 ? LANGS.length - 1 : li);
		depth.push(it.d);
		parent.push(it.p);
		prev.push(lastChild.has(it.p) ? lastChild.get(it.p) : -1);
		lastChild.set(it.p, i);
		x.push(it.off);
		w.push(wi);
		end.push(0);
		if (ext)
			ext.push(extra(n));
		if (it.d > maxDepth)
			maxDepth = it.d;
		const kids = Array.isArray(n.children) ? n.children : [];
		const items = [];
		let off = it.off, sum = 0;
		for (const c of kids) {
			const cw = wt(c || {});
			items.push({ node: c, d: it.d + 1, p: i, off });
			off += cw;
			sum += cw;
		}
		self.push(Math.max(0, wi - sum));
		stack.push({ close: i });
		// Push in reverse so the first child is placed first.
		for (let k = items.length - 1; k >= 0; k--)
			stack.push(items[k]);
	}
	return {
		n: label.length, label, fname, lang: Uint8Array.from(langs), depth: Uint16Array.from(depth),
		parent: Int32Array.from(parent), end: Int32Array.from(end), prev: Int32Array.from(prev),
		x: Float64Array.from(x), w: Float64Array.from(w), self: Float64Array.from(self),
		ext, maxDepth, total: w[0] || 0,
	};
}

// parseTree(body): the flat tree of a /api/flamegraph answer.
export function parseTree(body) {
	if (!body || typeof body !== 'object' || !('value' in body))
		throw new Error('the server sent no flamegraph tree');
	const t = flatten(body, (n) => n.value);
	t.kind = 'tree';
	return t;
}

// parseDiff(body): the flat tree of a /api/flamegraph/diff answer.  A
// node's width is the mean of its two shares, so what vanished or what is
// new is still visible; base/compare counts and shares ride along.
export function parseDiff(body) {
	if (!body || typeof body !== 'object' || !body.tree)
		throw new Error('the server sent no differential tree');
	const bt = Number(body.baseTotal) || 0, ct = Number(body.compareTotal) || 0;
	const share = (n, k, tot) => (typeof n[`${k}Share`] === 'number' ? n[`${k}Share`] :
		(tot ? (Number(n[k]) || 0) / tot : 0));
	const t = flatten(body.tree, (n) => (share(n, 'base', bt) + share(n, 'compare', ct)) / 2,
		(n) => ({ base: Number(n.base) || 0, compare: Number(n.compare) || 0,
			baseShare: share(n, 'base', bt), compareShare: share(n, 'compare', ct) }));
	t.kind = 'diff';
	t.baseTotal = bt;
	t.compareTotal = ct;
	return t;
}

// parseFunctions(body): the top-functions page.
export function parseFunctions(body) {
	const rows = body && Array.isArray(body.functions) ? body.functions : [];

	return {
		total: Number(body && body.total) || 0,
		count: Number(body && body.count) || rows.length,
		rows: rows.map((r) => ({
			name: String(r.name ?? ''), self: Number(r.self) || 0, total: Number(r.total) || 0,
			selfShare: Number(r.selfShare) || 0, totalShare: Number(r.totalShare) || 0,
		})),
	};
}

// parseBuckets(body): datetime_with_data as [{time, samples}], oldest
// first.  Assumed shape: [{"time": "...+00:00", "samples": N}]; the
// older {"firstDateTime", "lastDateTime"} form is read as two buckets.
export function parseBuckets(body) {
	let list = [];

	if (Array.isArray(body)) {
		list = body.map((b) => ({ time: parseUtc(b && (b.time || b.timestamp)), samples: Number(b && b.samples) || 0 }));
	} else if (body && body.lastDateTime) {
		list = [{ time: parseUtc(body.firstDateTime), samples: 1 }, { time: parseUtc(body.lastDateTime), samples: 1 }];
	}
	return list.filter((b) => b.time && b.samples > 0).sort((a, b) => a.time - b.time);
}

// parseTags(body): the values of one filter tag (204 -> []).
export function parseTags(body) {
	if (!Array.isArray(body))
		return [];
	return body.map((x) => (typeof x === 'string' ? x : x && x.name))
		.filter((x) => typeof x === 'string' && x);
}

// query(q): the common parameters of one side {service, start, end, filters}.
function query(q) {
	return { serviceName: q.service, startTime: apiTime(q.start), endTime: apiTime(q.end),
		filter: rql(q.filters) };
}

export const MAX_NODES = 100000;

export function treeParams(q) {
	return { ...query(q), maxNodes: MAX_NODES, enrichment: 'lang' };
}

export async function fetchTree(q, signal) {
	return parseTree(await api('/flamegraph', treeParams(q), { signal }));
}

// downloadUrl(q, format): svg | html | collapsed.
export function downloadUrl(q, format) {
	return apiUrl('/flamegraph', { ...query(q), format });
}

export async function fetchFunctions(q, opt, signal) {
	return parseFunctions(await api('/flamegraph/functions', { ...query(q), sort: opt.sort,
		order: 'desc', page: opt.page, pageSize: opt.pageSize }, { signal }));
}

// fetchSandwich(q, fn): {callers, callees} flat trees of one function.
export async function fetchSandwich(q, fn, signal) {
	const b = await api('/flamegraph/functions', { ...query(q), functionName: fn }, { signal });
	if (!b || !b.callers || !b.callees)
		throw new Error('the server sent no callers/callees');
	return { callers: parseTree(b.callers), callees: parseTree(b.callees) };
}

export async function fetchBuckets(q, signal) {
	return parseBuckets(await api('/flamegraph/datetime_with_data', query(q), { signal }));
}

export async function fetchTags(q, key, signal) {
	return parseTags(await api(`/v1/filters/tags/${key}`, { serviceName: q.service,
		startTime: apiTime(q.start), endTime: apiTime(q.end) }, { signal }));
}

// fetchDiff(base, cmp): each side is a query or {service, profile}.
export async function fetchDiff(base, cmp, signal) {
	const p = { serviceName: cmp.service };

	for (const [k, s] of [['base', base], ['compare', cmp]]) {
		if (s.profile) {
			p[`${k}.profile`] = s.profile;
		} else {
			p[`${k}.startTime`] = apiTime(s.start);
			p[`${k}.endTime`] = apiTime(s.end);
			p[`${k}.filter`] = rql(s.filters);
		}
	}
	return parseDiff(await api('/flamegraph/diff', p, { signal }));
}

export async function fetchServices() {
	const data = await api('/services');
	return (Array.isArray(data) ? data : []).map((s) => (typeof s === 'string' ? s : s && s.name))
		.filter((s) => typeof s === 'string' && s);
}
