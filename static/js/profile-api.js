// profile-api.js - every call the flamegraph explorer makes, and the
// parsing of each answer into the shapes the page draws.  Keep the
// knowledge of the server's JSON here: if a response shape changes, this
// is the one file to adapt.
//
// Shapes the page gets back:
//   flat tree (parseTree / parseDiff): parallel arrays in depth-first
//     order, see flatten() below;
//   functions: {total, count, rows: [{name, self, total, selfShare, totalShare}]}
//   buckets:   [{time: Date, samples: N}], the first and the last minute
//              with samples (datetime_with_data)
//   tags:      ["h1", ...]
//
// The server's answers (ember-fcgi, fcgi/h_flamegraph.c and h_filters.c):
//   /flamegraph            {"name":"root","value","children":[{name,
//                          suffix?,value,children,language}],...}
//   /flamegraph/functions  ?sort=self|total&order&limit&offset ->
//                          {"total","count","offset","functions":[{name,
//                          language,self,total,selfShare,totalShare}]};
//                          with functionName: {"function","total",
//                          "samples","callers":tree,"callees":tree}, 404
//                          when the function is not in the range
//   /flamegraph/diff       ?baseStartTime&baseEndTime&baseFilter | baseProfile
//                          (an ad hoc file name), the same for compare ->
//                          {"name":"root","base","compare","baseTotal",
//                          "compareTotal","children":[{name,suffix?,base,
//                          compare,baseShare,compareShare,change?,status?,
//                          children,language}]}
//   /flamegraph/datetime_with_data  (serviceName, filter; the last year)
//                          {"firstDateTime":"...+00:00","lastDateTime":"..."},
//                          the last minute + 1 min; no data: 1970-01-01
//   /v1/filters/tags/T     [{"name","samples"}], 204 when empty
//   an unknown service is 406 with a bare JSON string.

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

// parseDiff(body): the flat tree of a /api/flamegraph/diff answer (the
// root node itself, with both totals).  A node's width is the mean of its
// two shares, so what vanished or what is new is still visible; base/
// compare counts and shares ride along.
export function parseDiff(body) {
	if (!body || typeof body !== 'object' || !Array.isArray(body.children) || !('baseTotal' in body))
		throw new Error('the server sent no differential tree');
	const bt = Number(body.baseTotal) || 0, ct = Number(body.compareTotal) || 0;
	const share = (n, k, tot) => (typeof n[`${k}Share`] === 'number' ? n[`${k}Share`] :
		(tot ? (Number(n[k]) || 0) / tot : 0));
	// the root's shares are 1 on a side with samples
	const root = { ...body, baseShare: bt ? 1 : 0, compareShare: ct ? 1 : 0 };
	const t = flatten(root, (n) => (share(n, 'base', bt) + share(n, 'compare', ct)) / 2,
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
// first: the first minute with samples and the last one (lastDateTime
// is that minute + 1 min).  No data (the 1970 defaults): [].
export function parseBuckets(body) {
	const first = parseUtc(body && body.firstDateTime), last = parseUtc(body && body.lastDateTime);

	if (!first || !last || last.getTime() <= 60e3)
		return [];
	const lastMin = new Date(Math.max(first.getTime(), last.getTime() - 60e3));
	return lastMin.getTime() === first.getTime() ? [{ time: first, samples: 1 }] :
		[{ time: first, samples: 1 }, { time: lastMin, samples: 1 }];
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
		order: 'desc', limit: opt.limit, offset: opt.offset }, { signal }));
}

// fetchSandwich(q, fn): {callers, callees} flat trees of one function.
export async function fetchSandwich(q, fn, signal) {
	const b = await api('/flamegraph/functions', { ...query(q), functionName: fn, maxNodes: MAX_NODES,
		enrichment: 'lang' }, { signal });
	if (!b || !b.callers || !b.callees)
		throw new Error('the server sent no callers/callees');
	return { callers: parseTree(b.callers), callees: parseTree(b.callees) };
}

// fetchBuckets(q): the first and last minute with data in the last year
// for the service and filters of q (its times are not sent).
export async function fetchBuckets(q, signal) {
	return parseBuckets(await api('/flamegraph/datetime_with_data', { serviceName: q.service,
		filter: rql(q.filters) }, { signal }));
}

export async function fetchTags(q, key, signal) {
	return parseTags(await api(`/v1/filters/tags/${key}`, { serviceName: q.service,
		startTime: apiTime(q.start), endTime: apiTime(q.end) }, { signal }));
}

// fetchDiff(base, cmp): each side is a query or {service, profile}
// (profile: an ad hoc flamegraph's file name or its key).
export async function fetchDiff(base, cmp, signal) {
	const p = { serviceName: cmp.service, maxNodes: MAX_NODES, enrichment: 'lang' };

	for (const [k, s] of [['base', base], ['compare', cmp]]) {
		if (s.profile) {
			p[`${k}Profile`] = s.profile;
		} else {
			p[`${k}StartTime`] = apiTime(s.start);
			p[`${k}EndTime`] = apiTime(s.end);
			p[`${k}Filter`] = rql(s.filters);
		}
	}
	return parseDiff(await api('/flamegraph/diff', p, { signal }));
}

export async function fetchServices() {
	const data = await api('/services');
	return (Array.isArray(data) ? data : []).map((s) => (typeof s === 'string' ? s : s && s.name))
		.filter((s) => typeof s === 'string' && s);
}
