// mock-profiles.mjs - the continuous-profile data the mock server serves
// to the explorer, and the tree algorithms behind its answers (function
// table, sandwich, diff), written plainly so the tests can check the page
// against numbers worked out by hand here.
//
// checkout's tree (inclusive samples, total 1000):
//   python3 600 > main (app.py) 600 [self 100]
//     > handle (app/server.py) 400 [self 50]
//         > parse_json (json.py) 150
//         > query_db (db.py) 200 [self 20] > libpq_exec [libpq.so] 180 [self 60] > sys_read_[k] 120
//     > <img src=x onerror=...> (evil.py) 100          (a hostile frame name)
//   java 400 > java/lang/Thread.run_[j] 400
//     > com/acme/Worker.process_[j] 300 [self 50] > com/acme/Json.parse_[j] 250 [self 130] > sys_read_[k] 120
//     > GC Thread#0 [libjvm.so] 100
// Self by function: sys_read_[k] 240, parse_json 150, Json.parse 130,
// main 100, evil 100, GC 100, libpq_exec 60, handle 50, Worker 50, query_db 20.

export const HOSTILE = '<img src=x onerror="window.__xss=1"> (evil.py)';

const n = (name, value, language, children = [], suffix) => {
	const o = { name, value, children, language };
	if (suffix)
		o.suffix = suffix;
	return o;
};

export function checkoutTree(grow = 0) {
	const python = n('python3', 600 + grow, 'Other', [
		n('main (app.py)', 600 + grow, 'Python', [
			n('handle (app/server.py)', 400 + grow, 'Python', [
				n('parse_json (json.py)', 150, 'Python'),
				n('query_db (db.py)', 200 + grow, 'Python', [
					n('libpq_exec [libpq.so]', 180 + grow, 'Other', [
						n('sys_read', 120, 'Kernel', [], '_[k]')])])]),
			n(HOSTILE, 100, 'Python')])]);
	const java = n('java', 400, 'Other', [
		n('java/lang/Thread.run', 400, 'Java', [
			n('com/acme/Worker.process', 300, 'Java', [
				n('com/acme/Json.parse', 250, 'Java', [n('sys_read', 120, 'Kernel', [], '_[k]')], '_[j]')], '_[j]'),
			n('GC Thread#0 [libjvm.so]', 100, 'Other')], '_[j]')]);
	return { name: 'root', value: 1000 + grow, children: [python, java] };
}

// web-2 runs only the Python service.
export function hostTree(host) {
	const t = checkoutTree();
	if (host === 'web-2') {
		t.children = [t.children[0]];
		t.value = 600;
	}
	return t;
}

export const emptyTree = () => ({ name: 'root', value: 0, children: [] });

// bigTree(count): a deterministic tree of about `count` nodes, wide and
// deep enough to exercise the renderer (fan-out 2-12, depth up to 40).
export function bigTree(count) {
	let seed = 42, made = 1;
	const rnd = () => {
		seed = (seed * 1103515245 + 12345) & 0x7fffffff;
		return seed / 0x7fffffff;
	};
	const langs = ['Python', 'Java', 'Go', 'C++', 'Kernel', 'Other'];
	const grow = (depth, budget) => {
		const node = { name: `fn_${made}_${depth} (mod${made % 97}.py)`, value: 0, children: [],
			language: langs[made % langs.length] };
		made++;
		let self = 1 + Math.floor(rnd() * 20);
		if (depth < 40 && budget > 1) {
			const kids = Math.min(budget - 1, 2 + Math.floor(rnd() * 11));
			let left = budget - 1;
			for (let k = 0; k < kids && left > 0; k++) {
				const b = k === kids - 1 ? left : Math.max(1, Math.floor(left * rnd() * 0.6));
				node.children.push(grow(depth + 1, b));
				left -= b;
			}
		}
		node.value = self + node.children.reduce((s, c) => s + c.value, 0);
		return node;
	};
	const root = grow(0, count - 1);
	return { name: 'root', value: root.value, children: [root] };
}

const label = (x) => x.name + (x.suffix || '');

// The answers below are shaped exactly as ember-fcgi's (fcgi/h_flamegraph.c)
// for the same stacks: children sorted by name (byte order), every frame's
// language, shares with 6 decimals, changes in % with 2.  The browser test
// against the real stack (explorer-real.test.mjs) uploads folded(tree) and
// checks that both servers answer the same JSON.

const byName = (a, b) => (label(a) < label(b) ? -1 : label(a) > label(b) ? 1 : 0);
const fixed = (x, d) => Math.round(x * 10 ** d) / 10 ** d;
const nodeOf = (x, rest) => {
	const o = { name: x.name };
	if (x.suffix)
		o.suffix = x.suffix;
	return Object.assign(o, rest);
};

// apiTree(tree): a tree as /api/flamegraph?enrichment=lang answers it.
export function apiTree(tree) {
	const out = (x) => nodeOf(x, { value: x.value, children: [...x.children].sort(byName).map(out),
		language: x.language || 'Other' });
	return { name: 'root', value: tree.value, children: [...tree.children].sort(byName).map(out) };
}

// folded(tree): the tree as collapsed stack lines ("a;b;c 12"), for
// uploading the same data to the real stack.
export function folded(tree) {
	const lines = [];
	const walk = (x, path) => {
		const st = [...path, label(x)];
		const self = x.value - x.children.reduce((s, c) => s + c.value, 0);
		if (self > 0)
			lines.push(`${st.join(';')} ${self}`);
		x.children.forEach((c) => walk(c, st));
	};
	tree.children.forEach((c) => walk(c, []));
	return lines;
}

// functions(tree): [{name, language, self, total}] where total counts
// each stack once (a function on its own stack twice counts once).
export function functions(tree) {
	const m = new Map();
	const walk = (x, onPath) => {
		const l = label(x);
		const self = x.value - x.children.reduce((s, c) => s + c.value, 0);
		const r = m.get(l) || { name: l, language: x.language || 'Other', self: 0, total: 0 };
		r.self += self;
		if (!onPath.has(l))
			r.total += x.value;
		m.set(l, r);
		const next = new Set(onPath).add(l);
		for (const c of x.children)
			walk(c, next);
	};
	for (const c of tree.children)
		walk(c, new Set());
	return [...m.values()];
}

// functionsAnswer(tree, q): /api/flamegraph/functions (sort=self|total|
// name, order, limit (100), offset): counts descending with ties by the
// other count then name, names ascending.
export function functionsAnswer(tree, q) {
	const key = q.get('sort') || 'self';
	const other = key === 'total' ? 'self' : 'total';
	const cmpName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
	const all = functions(tree).sort(key === 'name' ? cmpName :
		(a, b) => b[key] - a[key] || b[other] - a[other] || cmpName(a, b));
	if (q.get('order') === (key === 'name' ? 'desc' : 'asc'))
		all.reverse();
	const offset = Number(q.get('offset') || 0), limit = Number(q.get('limit') || 100);
	const t = tree.value;
	return { total: t, count: all.length, offset, functions: all.slice(offset, offset + limit).map((r) => ({
		...r, selfShare: fixed(t ? r.self / t : 0, 6), totalShare: fixed(t ? r.total / t : 0, 6) })) };
}

// add(into, frames, value): one stack into a tree of {frame, value, kids}.
function add(into, frames, value) {
	into.value += value;
	let at = into;
	for (const f of frames) {
		let c = at.kids.get(label(f));
		if (!c) {
			c = { frame: f, value: 0, kids: new Map() };
			at.kids.set(label(f), c);
		}
		c.value += value;
		at = c;
	}
}

const built = (b) => ({ name: 'root', value: b.value, children: [...b.kids.values()].map(function out(c) {
	return { name: c.frame.name, suffix: c.frame.suffix, value: c.value, language: c.frame.language,
		children: [...c.kids.values()].map(out) };
}) });

// sandwichAnswer(tree, fn): /api/flamegraph/functions?functionName=fn:
// callers (the function at the top, its callers below it, each outermost
// occurrence once) and callees (its subtrees merged); null when absent.
export function sandwichAnswer(tree, fn) {
	const up = { value: 0, kids: new Map() }, down = { value: 0, kids: new Map() };
	let found = false;
	const callees = (x, path) => {
		const st = [...path, x];
		const self = x.value - x.children.reduce((s, c) => s + c.value, 0);
		if (self > 0)
			add(down, st, self);
		x.children.forEach((c) => callees(c, st));
	};
	const walk = (x, path) => {
		if (label(x) === fn) {
			found = true;
			add(up, [x, ...[...path].reverse()], x.value);
			callees(x, []);
			return;
		}
		x.children.forEach((c) => walk(c, [...path, x]));
	};
	tree.children.forEach((c) => walk(c, []));
	if (!found)
		return null;
	return { function: fn, total: up.value, samples: tree.value,
		callers: apiTree(built(up)), callees: apiTree(built(down)) };
}

// diffAnswer(base, cmp): /api/flamegraph/diff, nodes matched by path.
export function diffAnswer(base, cmp) {
	const bt = base.value, ct = cmp.value;
	const make = (b, c) => {
		const x = b || c;
		const bv = b ? b.value : 0, cv = c ? c.value : 0;
		const bs = fixed(bt ? bv / bt : 0, 6), cs = fixed(ct ? cv / ct : 0, 6);
		const o = nodeOf(x, { base: bv, compare: cv, baseShare: bs, compareShare: cs });
		if (bv)
			o.change = fixed(100 * ((ct ? cv / ct : 0) - (bt ? bv / bt : 0)) / (bv / bt), 2);
		if (!bv)
			o.status = 'new';
		if (!cv)
			o.status = 'gone';
		o.children = kids(b, c);
		o.language = x.language || 'Other';
		return o;
	};
	const kids = (b, c) => {
		const labels = [...new Set([...(b ? b.children : []), ...(c ? c.children : [])].map(label))].sort();
		return labels.map((l) => make(b && b.children.find((y) => label(y) === l),
			c && c.children.find((y) => label(y) === l)));
	};
	return { name: 'root', base: bt, compare: ct, baseTotal: bt, compareTotal: ct, children: kids(base, cmp) };
}

// The planted regression: libpq_exec [libpq.so] gains 400 self samples
// in the compare side (6 % of samples in base, 460/1400 = 32.86 % after).
export const REGRESSION = 'libpq_exec [libpq.so]';
export const regressedTree = () => checkoutTree(400);
