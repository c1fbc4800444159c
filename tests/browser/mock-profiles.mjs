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

// functions(tree): [{name, self, total}] where total counts each stack
// once (a function on its own stack twice counts once).
export function functions(tree) {
	const m = new Map();
	const walk = (x, onPath) => {
		const l = label(x);
		const self = x.value - x.children.reduce((s, c) => s + c.value, 0);
		const r = m.get(l) || { name: l, self: 0, total: 0 };
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

// merge(into, node): add node's subtree into `into` by label.
function merge(into, x) {
	into.value += x.value;
	for (const c of x.children) {
		let t = into.children.find((y) => label(y) === label(c));
		if (!t) {
			t = { name: c.name, value: 0, children: [], language: c.language };
			if (c.suffix)
				t.suffix = c.suffix;
			into.children.push(t);
		}
		merge(t, c);
	}
}

// sandwich(tree, fn): callers (the function at the root, its callers as
// children) and callees (the function's merged subtrees).
export function sandwich(tree, fn) {
	const callees = { name: fn, value: 0, children: [] };
	const callers = { name: fn, value: 0, children: [] };
	const walk = (x, path) => {
		if (label(x) === fn) {
			merge(callees, x);
			// the caller chain, nearest first
			let at = callers;
			at.value += x.value;
			for (let k = path.length - 1; k >= 0; k--) {
				const p = path[k];
				let t = at.children.find((y) => label(y) === label(p));
				if (!t) {
					t = { name: p.name, value: 0, children: [], language: p.language };
					if (p.suffix)
						t.suffix = p.suffix;
					at.children.push(t);
				}
				t.value += x.value;
				at = t;
			}
			return;
		}
		for (const c of x.children)
			walk(c, [...path, x]);
	};
	for (const c of tree.children)
		walk(c, []);
	callees.name = fn;
	return { callers: { name: 'root', value: callers.value, children: [callers] },
		callees: { name: 'root', value: callees.value, children: [{ ...callees }] } };
}

// diff(base, cmp): the differential tree, nodes matched by label path.
export function diff(base, cmp) {
	const bt = base.value, ct = cmp.value;
	const make = (b, c) => {
		const x = b || c;
		const o = { name: x === base || x === cmp ? 'root' : x.name, base: b ? b.value : 0, compare: c ? c.value : 0 };
		if (x.suffix)
			o.suffix = x.suffix;
		if (x.language)
			o.language = x.language;
		o.baseShare = bt ? o.base / bt : 0;
		o.compareShare = ct ? o.compare / ct : 0;
		const labels = [];
		for (const y of [...(b ? b.children : []), ...(c ? c.children : [])]) {
			if (!labels.includes(label(y)))
				labels.push(label(y));
		}
		o.children = labels.map((l) => make(b && b.children.find((y) => label(y) === l),
			c && c.children.find((y) => label(y) === l)));
		return o;
	};
	return { baseTotal: bt, compareTotal: ct, tree: make(base, cmp) };
}

// The planted regression: libpq_exec [libpq.so] gains 400 self samples
// in the compare side (6 % of samples in base, 460/1400 = 32.86 % after).
export const REGRESSION = 'libpq_exec [libpq.so]';
export const regressedTree = () => checkoutTree(400);
