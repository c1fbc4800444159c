// explorer.js - the flamegraph explorer: one service, a time range and
// tag filters; the flamegraph (flame.js), the top-functions table, the
// sandwich view of one function, and compare mode (a differential
// flamegraph against a base range or an ad hoc profile).
//
// Everything that makes the view is in the URL (see URLKEYS), so a link
// reopens the same view, zoom and search included.  "Copy link" pins a
// relative range ("last hour") to its absolute times.

import { h, clear, errText, parseUtc, fmtLocal, fmtStamp, readQuery, writeQuery, message, ApiError } from './util.js';
import * as P from './profile-api.js';
import { FlameGraph } from './flame.js';

const $ = (id) => document.getElementById(id);

const RANGES = {
	'15m': 15 * 60e3, '30m': 30 * 60e3, '1h': 3600e3, '3h': 3 * 3600e3, '6h': 6 * 3600e3,
	'12h': 12 * 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '14d': 14 * 86400e3, '30d': 30 * 86400e3,
};
const PAGE_SIZE = 50;

// Runtime colours (fill, hue for the shades).  Dark text on all of them.
const LANG_HUE = { Python: 210, Java: 28, Go: 186, 'C++': 280, Node: 95, Ruby: 350, PHP: 235,
	'.NET': 260, Kernel: 0, Other: 45 };
const MATCH = '#f06fd0';
const DIM = '#e3e6ea';
const PALETTES = {
	std: { grew: [0, 78], shrank: [218, 75] },	// red / blue
	cb: { grew: [28, 90], shrank: [268, 45] },	// orange / purple (PuOr)
};

const state = {
	service: '', range: '1h', from: null, to: null, zone: 'local',
	tags: {},			// url key -> value
	view: 'flame', zoom: '', search: '', orient: 'icicle', langs: new Set(), fn: '',
	sort: 'self', page: 0,
	bkind: 'range', bfrom: null, bto: null, bhost: '', bprofile: '', palette: 'std',
	services: null, resolved: null, tree: null, diff: null, mask: null, shade: null,
	seq: 0, tableSeq: 0,
};

let fg, callersFg, calleesFg;

// ---- URL state ----

function fromUrl() {
	const q = readQuery();
	state.service = q.service || '';
	state.range = RANGES[q.range] || q.range === 'custom' ? q.range : '1h';
	state.from = parseUtc(q.from);
	state.to = parseUtc(q.to);
	if (state.from && state.to && !q.range)
		state.range = 'custom';
	if (state.range === 'custom' && !(state.from && state.to && state.from < state.to))
		state.range = '1h';
	state.zone = q.zone === 'utc' ? 'utc' : 'local';
	state.tags = {};
	for (const t of P.TAGS) {
		if (q[t.url])
			state.tags[t.url] = q[t.url];
	}
	state.view = ['flame', 'sandwich', 'compare'].includes(q.view) ? q.view : 'flame';
	state.zoom = q.zoom || '';
	state.search = q.search || '';
	state.orient = q.orient === 'flame' ? 'flame' : 'icicle';
	state.langs = new Set((q.lang || '').split(',').filter((l) => P.LANGS.includes(l)));
	state.fn = q.fn || '';
	state.sort = q.sort === 'total' ? 'total' : 'self';
	state.page = Math.max(0, (parseInt(q.page, 10) || 1) - 1);
	state.bprofile = q.bprofile || '';
	state.bkind = state.bprofile ? 'profile' : 'range';
	state.bfrom = parseUtc(q.bfrom);
	state.bto = parseUtc(q.bto);
	state.bhost = q.bhost || '';
	state.palette = q.palette === 'cb' ? 'cb' : 'std';
}

function urlState(pin = false) {
	const r = state.resolved;
	const custom = state.range === 'custom' || (pin && r);
	const iso = (d) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : '');
	const cmp = state.view === 'compare';
	return {
		service: state.service,
		range: custom ? 'custom' : state.range,
		from: custom ? iso(state.range === 'custom' ? state.from : r.start) : '',
		to: custom ? iso(state.range === 'custom' ? state.to : r.end) : '',
		zone: state.zone === 'utc' ? 'utc' : '',
		...state.tags,
		view: state.view === 'flame' ? '' : state.view,
		zoom: state.zoom, search: state.search,
		orient: state.orient === 'flame' ? 'flame' : '',
		lang: [...state.langs].join(','),
		fn: state.fn,
		sort: state.sort === 'self' ? '' : state.sort,
		page: state.page ? state.page + 1 : '',
		bprofile: cmp && state.bkind === 'profile' ? state.bprofile : '',
		bfrom: cmp && state.bkind === 'range' ? iso(state.bfrom) : '',
		bto: cmp && state.bkind === 'range' ? iso(state.bto) : '',
		bhost: cmp && state.bkind === 'range' ? state.bhost : '',
		palette: state.palette === 'cb' ? 'cb' : '',
	};
}

function toUrl(push = false) {
	writeQuery(urlState(), push);
}

// ---- time ----

// resolve(): the absolute range the calls use, whole seconds.
function resolve() {
	if (state.range === 'custom') {
		state.resolved = { start: state.from, end: state.to };
	} else {
		const end = new Date(Math.floor(Date.now() / 1000) * 1000);
		state.resolved = { start: new Date(end - RANGES[state.range]), end };
	}
	return state.resolved;
}

// inputValue(d): a datetime-local value in the chosen zone.
function inputValue(d) {
	if (!d)
		return '';
	if (state.zone === 'utc')
		return d.toISOString().replace(/\.\d+Z$/, '');
	return fmtLocal(d).replace(' ', 'T');
}

// fromInput(v): a Date from a datetime-local value in the chosen zone.
function fromInput(v) {
	if (!v)
		return null;
	const d = state.zone === 'utc' ? parseUtc(v) : new Date(v);
	return d && !isNaN(d.getTime()) ? d : null;
}

const stamp = (d) => fmtStamp(d, state.zone === 'utc');

function filters(tags) {
	const out = {};
	for (const t of P.TAGS) {
		if (tags[t.url])
			out[t.key] = tags[t.url];
	}
	return out;
}

// side(): the query of the main controls (the compare side in compare mode).
function side() {
	const r = state.resolved;
	return { service: state.service, start: r.start, end: r.end, filters: filters(state.tags) };
}

function baseSide() {
	if (state.bkind === 'profile')
		return { service: state.service, profile: state.bprofile };
	const r = state.resolved;
	const len = r.end - r.start;
	return { service: state.service, start: state.bfrom || new Date(r.start - len),
		end: state.bto || new Date(r.start), filters: state.bhost ? { HostName: state.bhost } : {} };
}

// ---- services and filters ----

async function loadServices() {
	const sel = $('service');
	let list = [];

	try {
		list = [...new Set(await P.fetchServices())].sort((a, b) => a.localeCompare(b));
	} catch (e) {
		message($('messages'), 'error', `Error loading services: ${errText(e)}`);
	}
	state.services = list;
	clear(sel);
	if (!list.length)
		sel.append(h('option', { value: '' }, 'No services'));
	for (const s of list)
		sel.append(h('option', { value: s }, s));
	if (state.service && !list.includes(state.service)) {
		sel.prepend(h('option', { value: state.service }, `${state.service} (unknown)`));
		message($('messages'), 'error', `Unknown service '${state.service}': no service of that name sends profiles. Choose one from the list.`);
	} else if (!state.service && list.length) {
		state.service = list[0];
	}
	sel.value = state.service;
}

const knownService = () => state.services && state.services.includes(state.service);

async function loadTags() {
	if (!knownService())
		return;
	const q = side();
	await Promise.all(P.TAGS.map(async (t) => {
		const sel = $(`f-${t.url}`);
		let vals = [];
		try {
			vals = await P.fetchTags(q, t.key);
		} catch (e) {
			vals = [];
		}
		const cur = state.tags[t.url] || '';
		if (cur && !vals.includes(cur))
			vals.unshift(cur);
		clear(sel).append(h('option', { value: '' }, 'All'),
			...vals.map((v) => h('option', { value: v }, v)));
		sel.value = cur;
		if (t.url === 'host') {
			const b = $('bhost');
			clear(b).append(h('option', { value: '' }, 'All'), ...vals.map((v) => h('option', { value: v }, v)));
			if (state.bhost && !vals.includes(state.bhost))
				b.append(h('option', { value: state.bhost }, state.bhost));
			b.value = state.bhost;
		}
	}));
}

// ---- colours ----

function hash(s) {
	let x = 2166136261;
	for (let i = 0; i < s.length; i++)
		x = Math.imul(x ^ s.charCodeAt(i), 16777619);
	return (x >>> 0) % 6;
}

const LANG_SHADES = P.LANGS.map((l) => {
	const hue = LANG_HUE[l];
	return [0, 1, 2, 3, 4, 5].map((k) => `hsl(${hue}, ${l === 'Other' ? 30 : 62}%, ${66 + k * 2.5}%)`);
});

function diffColour(t, i) {
	const e = t.ext[i];
	const d = e.compareShare - e.baseShare;
	const pal = PALETTES[state.palette];
	const [hue, sat] = d >= 0 ? pal.grew : pal.shrank;
	const a = Math.min(1, Math.abs(d) / (t.maxDelta || 1));
	if (a < 0.02)
		return '#eceef1';
	return `hsl(${hue}, ${sat}%, ${Math.round(93 - a * 33)}%)`;
}

function colourOf(t) {
	return (i) => {
		if (t.kind === 'diff')
			return state.mask && !state.mask[i] ? DIM : diffColour(t, i);
		if (state.mask)
			return state.mask[i] ? MATCH : DIM;
		if (state.langs.size && !state.langs.has(P.LANGS[t.lang[i]]))
			return DIM;
		return LANG_SHADES[t.lang[i]][t.shade[i]];
	};
}

function prepare(t) {
	t.shade = new Uint8Array(t.n);
	for (let i = 0; i < t.n; i++)
		t.shade[i] = hash(t.label[i]);
	if (t.kind === 'diff') {
		let m = 0;
		for (const e of t.ext)
			m = Math.max(m, Math.abs(e.compareShare - e.baseShare));
		t.maxDelta = Math.max(m, 1e-6);
	}
	return t;
}

// ---- search and the chosen function ----

let searchError = '';

// computeMask(): which frames to highlight: the chosen function's, else
// the search's matches.  Returns the matched share of all samples.
function computeMask() {
	const t = current();
	searchError = '';
	state.mask = null;
	if (!t)
		return null;
	let test = null;
	if (state.fn && state.view !== 'compare') {
		test = (i) => t.fname[i] === state.fn || t.label[i] === state.fn;
	} else if (state.search) {
		try {
			const re = new RegExp(state.search);
			test = (i) => re.test(t.label[i]);
		} catch (e) {
			searchError = 'not a valid regular expression';
			return null;
		}
	}
	if (!test)
		return null;
	const mask = new Uint8Array(t.n);
	let sum = 0, until = -1;
	for (let i = 1; i < t.n; i++) {
		if (test(i)) {
			mask[i] = 1;
			if (i >= until) {
				sum += t.w[i];
				until = t.end[i];
			}
		}
	}
	state.mask = mask;
	return t.total ? sum / t.total : 0;
}

const pct = (x, digits = 2) => `${(x * 100).toFixed(digits)} %`;
const num = (n) => Math.round(n).toLocaleString('en-US');

function renderMatched(share) {
	const el = $('matched');
	$('search').setAttribute('aria-invalid', searchError ? 'true' : 'false');
	clear(el);
	if (searchError) {
		el.textContent = `Search: ${searchError}`;
		el.className = 'note err-text';
		return;
	}
	el.className = 'note';
	if (share === null || share === undefined)
		return;
	if (state.fn && state.view !== 'compare') {
		el.append(`Function "${state.fn}": ${pct(share)} of samples `,
			h('button', { type: 'button', class: 'link', onclick: () => { state.fn = ''; toUrl(); refreshHighlight(); } }, 'clear'));
	} else {
		el.textContent = `Matched: ${pct(share)} of samples`;
	}
}

function refreshHighlight() {
	renderMatched(computeMask());
	fg.draw();
	renderTableSelection();
}

// ---- the flamegraph ----

const current = () => (state.view === 'compare' ? state.diff : state.tree);

function zoomPath(t, i) {
	const parts = [];
	for (; i > 0; i = t.parent[i])
		parts.unshift(t.label[i]);
	return parts.join(';');
}

function findPath(t, path) {
	let i = 0;
	if (!path)
		return 0;
	for (const part of path.split(';')) {
		let c = i + 1, found = -1;
		for (; c < t.end[i]; c = t.end[c]) {
			if (t.label[c] === part) {
				found = c;
				break;
			}
		}
		if (found < 0)
			return i;
		i = found;
	}
	return i;
}

// Marks on the performance timeline (bench/explorer-paint.mjs reads them):
// ember:drawn (tree drawn), ember:painted (the next frame), ember:zoom.
function zoomTo(i, push = true) {
	const t = current();
	const t0 = performance.now();
	fg.zoomTo(i);
	state.zoom = zoomPath(t, i);
	toUrl(push);
	fg.draw();
	renderCrumbs();
	performance.measure('ember:zoom', { start: t0, end: performance.now() });
}

function renderCrumbs() {
	const t = current();
	const ol = clear($('crumbs'));
	if (!t || !t.n)
		return;
	const chain = [];
	for (let i = fg.zoom; i >= 0; i = t.parent[i])
		chain.unshift(i);
	chain.forEach((i, k) => {
		const last = k === chain.length - 1;
		ol.append(h('li', {}, h('button', {
			type: 'button', class: 'link', 'aria-current': last ? 'location' : null,
			title: t.label[i], onclick: () => zoomTo(i),
		}, t.label[i].length > 40 ? t.label[i].slice(0, 39) + '…' : t.label[i])));
	});
	$('reset').disabled = fg.zoom === 0;
}

function describe(t, i) {
	const lines = [];
	if (t.kind === 'diff') {
		const e = t.ext[i];
		const d = (e.compareShare - e.baseShare) * 100;
		lines.push(`Base: ${num(e.base)} samples (${pct(e.baseShare)})`,
			`Compare: ${num(e.compare)} samples (${pct(e.compareShare)})`,
			`Change: ${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(2)} points (${d >= 0 ? 'grew' : 'shrank'})`);
	} else {
		lines.push(`Samples: ${num(t.w[i])} (${pct(t.total ? t.w[i] / t.total : 0)} of total)`,
			`Self: ${num(t.self[i])} (${pct(t.total ? t.self[i] / t.total : 0)})`);
		if (fg.zoom > 0 && i !== fg.zoom && t.w[fg.zoom])
			lines.push(`${pct(t.w[i] / t.w[fg.zoom])} of the zoomed frame`);
		lines.push(`Runtime: ${P.LANGS[t.lang[i]]}`);
	}
	return lines;
}

function showTip(t, i, x, y) {
	const tip = $('tooltip');
	if (i < 0 || !t) {
		tip.hidden = true;
		return;
	}
	clear(tip).append(h('strong', {}, t.label[i]), ...describe(t, i).map((l) => h('div', {}, l)));
	tip.hidden = false;
	const r = tip.getBoundingClientRect();
	tip.style.left = `${Math.min(x + 14, window.innerWidth - r.width - 8)}px`;
	tip.style.top = `${y + 18 + r.height > window.innerHeight ? y - r.height - 10 : y + 18}px`;
}

function renderLegend() {
	const box = clear($('legend'));
	const t = state.tree;
	if (!t || state.view === 'compare')
		return;
	const share = new Float64Array(P.LANGS.length);
	for (let i = 1; i < t.n; i++)
		share[t.lang[i]] += t.self[i];
	P.LANGS.forEach((l, k) => {
		if (!share[k])
			return;
		const on = state.langs.has(l);
		box.append(h('button', {
			type: 'button', class: 'small lang', 'aria-pressed': on ? 'true' : 'false', 'data-lang': l,
			title: `${pct(share[k] / (t.total || 1), 1)} of samples in ${l} frames (self)`,
			onclick: () => {
				if (state.langs.has(l))
					state.langs.delete(l);
				else
					state.langs.add(l);
				toUrl();
				renderLegend();
				fg.draw();
			},
		}, h('i', { class: 'sw', 'data-lang': l }), l));
	});
	for (const sw of box.querySelectorAll('i.sw'))
		sw.style.background = LANG_SHADES[P.LANGS.indexOf(sw.dataset.lang)][2];
}

function setState(el, kind, ...content) {
	clear(el);
	el.classList.toggle('error', kind === 'error');
	el.hidden = kind === 'hide';
	if (kind !== 'hide')
		el.append(...content);
}

// drawCurrent(): the loaded tree (or diff) into the main canvas.
function drawCurrent() {
	const t = current();
	fg.opts.colour = t ? colourOf(t) : null;
	fg.setOrientation(state.orient === 'flame');
	fg.setData(t);
	if (t)
		fg.zoomTo(findPath(t, state.zoom));
	renderMatched(computeMask());
	fg.draw();
	renderCrumbs();
	renderLegend();
	$('canvas-box').hidden = false;
	const n = t ? t.n : 0;
	$('fg-canvas').setAttribute('aria-label', t ? `Flamegraph of ${state.service}: ${num(t.kind === 'diff' ? t.compareTotal : t.total)} samples, ${num(n)} frames` : 'Flamegraph');
}

// ---- loading ----

async function loadGraph() {
	const seq = ++state.seq;
	const st = $('fg-state');
	state.tree = null;
	state.diff = null;
	fg.setData(null);
	fg.draw();
	clear($('crumbs'));
	clear($('legend'));
	if (!state.service) {
		setState(st, 'info', 'Choose a service.');
		return;
	}
	if (!knownService()) {
		setState(st, 'error', `Unknown service '${state.service}'.`);
		return;
	}
	setState(st, 'info', 'Loading the flamegraph...');
	try {
		if (state.view === 'compare') {
			if (state.bkind === 'profile' && !state.bprofile) {
				setState(st, 'info', 'Enter the ad hoc profile to compare with, then press Compare.');
				return;
			}
			const d = await P.fetchDiff(baseSide(), side());
			if (seq !== state.seq)
				return;
			state.diff = prepare(d);
		} else {
			const t = await P.fetchTree(side());
			if (seq !== state.seq)
				return;
			state.tree = prepare(t);
		}
	} catch (e) {
		if (seq !== state.seq)
			return;
		setState(st, 'error', `Error loading the flamegraph: ${explain(e)}`);
		return;
	}
	const t = current();
	if (!t.total) {
		drawCurrent();
		await emptyState(seq);
		return;
	}
	setState(st, 'hide');
	drawCurrent();
	performance.mark('ember:drawn');
	requestAnimationFrame(() => performance.mark('ember:painted'));
	if (state.view === 'compare') {
		$('diff-totals').textContent = `Base ${num(t.baseTotal)} samples, compare ${num(t.compareTotal)} samples; widths are the mean of both shares.`;
		renderChanges();
	}
}

function explain(e) {
	if (e instanceof ApiError && e.status === 406)
		return `unknown service '${state.service}' (${e.detail || 'not found'})`;
	return errText(e);
}

// emptyState(): no samples in the range: say so and offer the nearest
// range with data (datetime_with_data: the first and the last minute
// with samples in the last year).
async function emptyState(seq) {
	const st = $('fg-state');
	const r = state.resolved;
	const len = r.end - r.start;
	const what = `No samples for ${state.service} between ${stamp(r.start)} and ${stamp(r.end)}` +
		(Object.keys(state.tags).length ? ' with these filters' : '') + '.';
	setState(st, 'info', what, ' Looking for the nearest data...');
	let buckets = [];
	try {
		buckets = await P.fetchBuckets(side());
	} catch (e) {
		buckets = [];
	}
	if (seq !== state.seq)
		return;
	if (!buckets.length) {
		setState(st, 'info', what, h('br'), 'There is no data in the last year either: start continuous profiling on the ',
			h('a', { href: 'index.html' }, 'Dynamic Profiling'), ' page, or choose another service or filter.');
		return;
	}
	// The bucket nearest to the range, and a range of the same length around it.
	let best = buckets[0], dist = Infinity;
	for (const b of buckets) {
		const d = b.time < r.start ? r.start - b.time : (b.time > r.end ? b.time - r.end : 0);
		if (d < dist) {
			dist = d;
			best = b;
		}
	}
	let start, end;
	if (best.time < r.start) {
		end = new Date(best.time.getTime() + 60e3);
		start = new Date(end - len);
	} else {
		start = new Date(best.time.getTime());
		end = new Date(start.getTime() + len);
	}
	setState(st, 'info', what, h('br'), `The nearest data is at ${stamp(best.time)}. `,
		h('button', { type: 'button', class: 'primary small', id: 'go-nearest', onclick: () => {
			state.range = 'custom';
			state.from = start;
			state.to = end;
			state.zoom = '';
			toUrl(true);
			syncControls();
			reload();
		} }, `Show ${stamp(start)} – ${stamp(end)}`));
}

// ---- the tables ----

function headCell(label, key) {
	if (!key)
		return h('th', { scope: 'col', class: label === 'Function' ? '' : 'num' }, label);
	const on = state.sort === key;
	return h('th', { scope: 'col', class: 'num sortable', 'aria-sort': on ? 'descending' : 'none' },
		h('button', { type: 'button', 'data-sort': key, onclick: () => {
			state.sort = key;
			state.page = 0;
			toUrl();
			loadTable();
		} }, label, h('span', { class: 'sort-ind', 'aria-hidden': 'true' }, on ? '▼' : '')));
}

async function loadTable() {
	const seq = ++state.tableSeq;
	const body = $('functions-body');
	const st = $('table-state');
	if (state.view === 'compare')
		return;
	$('table-title').textContent = 'Top functions';
	clear($('functions-head')).append(h('tr', {}, headCell('Function'), headCell('Self', 'self'),
		headCell('Self %'), headCell('Total', 'total'), headCell('Total %'),
		h('th', { scope: 'col', class: 'act' }, h('span', { class: 'visually-hidden' }, 'Actions'))));
	if (!knownService()) {
		clear(body);
		setState(st, 'hide');
		return;
	}
	$('busy').classList.add('on');
	let res;
	try {
		res = await P.fetchFunctions(side(), { sort: state.sort, offset: state.page * PAGE_SIZE, limit: PAGE_SIZE });
	} catch (e) {
		if (seq !== state.tableSeq)
			return;
		$('busy').classList.remove('on');
		clear(body);
		setState(st, 'error', `Error loading the top functions: ${explain(e)}`);
		return;
	}
	if (seq !== state.tableSeq)
		return;
	$('busy').classList.remove('on');
	clear(body);
	setState(st, res.rows.length ? 'hide' : 'info', 'No functions in this range.');
	for (const r of res.rows) {
		body.append(h('tr', { 'data-fn': r.name, 'aria-selected': r.name === state.fn ? 'true' : 'false',
			onclick: (e) => {
				if (!e.target.closest('button'))
					chooseFunction(r.name);
			} },
		h('td', { class: 'mono', title: r.name }, h('button', { type: 'button', class: 'link fn',
			'aria-label': `Focus ${r.name}`, onclick: () => chooseFunction(r.name) }, r.name)),
		h('td', { class: 'num' }, num(r.self)), h('td', { class: 'num' }, pct(r.selfShare)),
		h('td', { class: 'num' }, num(r.total)), h('td', { class: 'num' }, pct(r.totalShare)),
		h('td', { class: 'act' }, h('button', { type: 'button', class: 'small', 'aria-label': `Sandwich view of ${r.name}`,
			onclick: () => { state.fn = r.name; setView('sandwich'); } }, 'Sandwich'))));
	}
	const first = state.page * PAGE_SIZE;
	$('table-note').textContent = res.total ? `${num(res.count)} functions, ${num(res.total)} samples` : '';
	$('page-info').textContent = res.rows.length ? `${first + 1}–${first + res.rows.length} of ${num(res.count)}` : '';
	$('prev-page').disabled = state.page === 0;
	$('next-page').disabled = first + res.rows.length >= res.count;
	$('pager').hidden = false;
}

function renderTableSelection() {
	for (const tr of $('functions-body').rows) {
		if (tr.dataset.fn !== undefined)
			tr.setAttribute('aria-selected', tr.dataset.fn === state.fn ? 'true' : 'false');
	}
}

// chooseFunction(name): highlight it in the flamegraph, or show its
// sandwich in the sandwich view.
function chooseFunction(name) {
	state.fn = name;
	toUrl();
	if (state.view === 'sandwich')
		loadSandwich();
	else
		refreshHighlight();
	renderTableSelection();
}

// renderChanges(): compare mode's table, the functions whose self share
// changed most, from the differential tree.
function renderChanges() {
	const t = state.diff;
	const body = clear($('functions-body'));
	$('table-title').textContent = 'Biggest changes';
	$('table-note').textContent = 'self time, share of each side\'s samples';
	$('pager').hidden = true;
	setState($('table-state'), 'hide');
	clear($('functions-head')).append(h('tr', {}, h('th', { scope: 'col' }, 'Function'),
		h('th', { scope: 'col', class: 'num' }, 'Base self %'), h('th', { scope: 'col', class: 'num' }, 'Compare self %'),
		h('th', { scope: 'col', class: 'num' }, 'Change'), h('th', { scope: 'col', class: 'act' }, '')));
	if (!t)
		return;
	const agg = new Map();
	for (let i = 1; i < t.n; i++) {
		const e = t.ext[i];
		let sb = e.baseShare, sc = e.compareShare;
		for (let c = i + 1; c < t.end[i]; c = t.end[c]) {
			sb -= t.ext[c].baseShare;
			sc -= t.ext[c].compareShare;
		}
		const a = agg.get(t.label[i]) || { base: 0, cmp: 0 };
		a.base += Math.max(0, sb);
		a.cmp += Math.max(0, sc);
		agg.set(t.label[i], a);
	}
	const rows = [...agg].map(([name, a]) => ({ name, ...a, d: a.cmp - a.base }))
		.filter((r) => Math.abs(r.d) > 1e-9)
		.sort((a, b) => Math.abs(b.d) - Math.abs(a.d) || a.name.localeCompare(b.name)).slice(0, 30);
	if (!rows.length)
		setState($('table-state'), 'info', 'No function changed its share.');
	for (const r of rows) {
		body.append(h('tr', { 'data-fn': r.name, class: r.d > 0 ? 'grew' : 'shrank' },
			h('td', { class: 'mono', title: r.name }, r.name),
			h('td', { class: 'num' }, pct(r.base)), h('td', { class: 'num' }, pct(r.cmp)),
			h('td', { class: 'num delta' }, `${r.d > 0 ? '▲ +' : '▼ −'}${(Math.abs(r.d) * 100).toFixed(2)} pts`),
			h('td', { class: 'act' }, r.d > 0 ? 'grew' : 'shrank')));
	}
}

// ---- sandwich ----

async function loadSandwich() {
	const seq = ++state.seq;
	const st = $('sw-state');
	callersFg.setData(null);
	calleesFg.setData(null);
	callersFg.draw();
	calleesFg.draw();
	if (!state.fn) {
		$('sw-title').textContent = 'Choose a function in the table to see its callers and callees.';
		setState(st, 'hide');
		return;
	}
	$('sw-title').textContent = `Callers and callees of ${state.fn}`;
	setState(st, 'info', 'Loading...');
	let sw;
	try {
		sw = await P.fetchSandwich(side(), state.fn);
	} catch (e) {
		if (seq === state.seq)
			setState(st, 'error', `Error loading the sandwich view: ${explain(e)}`);
		return;
	}
	if (seq !== state.seq)
		return;
	setState(st, 'hide');
	for (const [g, t] of [[callersFg, sw.callers], [calleesFg, sw.callees]]) {
		prepare(t);
		// The chosen function (depth 1) stands out; "all" is only the frame.
		g.opts.colour = (i) => (t.depth[i] === 1 ? MATCH : i === 0 ? DIM : LANG_SHADES[t.lang[i]][t.shade[i]]);
		g.setData(t);
		g.draw();
	}
}

// ---- views and controls ----

function setView(v) {
	state.view = v;
	state.zoom = '';
	if (v === 'compare' && !state.bfrom && state.bkind === 'range') {
		const b = baseSide();
		state.bfrom = b.start;
		state.bto = b.end;
	}
	toUrl(true);
	syncControls();
	loadView();
}

function loadView() {
	const v = state.view;
	for (const b of document.querySelectorAll('.tabs button'))
		b.setAttribute('aria-pressed', b.dataset.view === v ? 'true' : 'false');
	$('base-panel').hidden = v !== 'compare';
	$('flame-view').hidden = v === 'sandwich';
	$('sandwich-view').hidden = v !== 'sandwich';
	$('diff-legend').hidden = v !== 'compare';
	$('downloads').hidden = v === 'compare';
	$('legend').hidden = v === 'compare';
	document.querySelector('.subbar').hidden = v === 'sandwich';
	$('orient').disabled = v === 'sandwich';
	$('reset').hidden = v === 'sandwich';
	$('graph-title').textContent = v === 'compare' ? 'Differential flamegraph' : v === 'sandwich' ? 'Sandwich view' : 'Flamegraph';
	document.body.dataset.view = v;
	if (v === 'sandwich') {
		loadSandwich();
		loadTable();
	} else {
		loadGraph();
		loadTable();
	}
}

function updateDownloads() {
	if (!knownService())
		return;
	const q = side();
	const base = `${state.service}-${P.apiTime(q.start).replace(/:/g, '')}`;
	for (const [id, fmt, ext] of [['dl-svg', 'svg', 'svg'], ['dl-html', 'html', 'html'], ['dl-folded', 'collapsed', 'txt']]) {
		$(id).href = P.downloadUrl(q, fmt);
		$(id).setAttribute('download', `${base}.${ext}`);
		$(id).setAttribute('aria-label', `Download ${fmt === 'collapsed' ? 'folded stacks' : fmt.toUpperCase()}`);
	}
}

function syncControls() {
	$('service').value = state.service;
	$('range').value = state.range;
	$('zone').value = state.zone;
	$('custom-range').hidden = state.range !== 'custom';
	if (state.range === 'custom') {
		$('from').value = inputValue(state.from);
		$('to').value = inputValue(state.to);
	}
	for (const t of P.TAGS)
		$(`f-${t.url}`).value = state.tags[t.url] || '';
	$('search').value = state.search;
	$('orient').setAttribute('aria-pressed', state.orient === 'flame' ? 'true' : 'false');
	$('palette').checked = state.palette === 'cb';
	document.body.dataset.palette = state.palette;
	for (const r of document.querySelectorAll('input[name="bkind"]'))
		r.checked = r.value === state.bkind;
	for (const el of document.querySelectorAll('[data-bkind]'))
		el.hidden = el.dataset.bkind !== state.bkind;
	$('bfrom').value = inputValue(state.bfrom);
	$('bto').value = inputValue(state.bto);
	$('bprofile').value = state.bprofile;
	$('bhost').value = state.bhost;
}

// reload(): the query changed: resolve the range and load everything.
function reload() {
	resolve();
	const r = state.resolved;
	$('range-label').textContent = `${stamp(r.start)} → ${stamp(r.end)}`;
	if (state.view === 'compare' && state.bkind === 'range' && !state.bfrom) {
		// the default base (the same length just before) shown as such
		const b = baseSide();
		$('bfrom').value = inputValue(b.start);
		$('bto').value = inputValue(b.end);
	}
	updateDownloads();
	loadTags();
	loadView();
}

async function copyLink() {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(urlState(true))) {
		if (v !== '' && v !== null && v !== undefined)
			q.set(k, String(v));
	}
	const url = `${location.origin}${location.pathname}?${q}`;
	$('copied').hidden = false;
	$('copied-link').value = url;
	$('copied-link').textContent = url;
	try {
		await navigator.clipboard.writeText(url);
		message($('messages'), 'ok', 'Link copied: it opens this view (range, filters, zoom and search) for anyone who can sign in.');
	} catch (e) {
		message($('messages'), 'info', 'Copy the link shown under the toolbar.');
	}
}

function onCursor(g, i) {
	const t = g.t;
	if (!t || i < 0)
		return;
	$('cursor-live').textContent = `${t.label[i]}. ${describe(t, i).join('. ')}`;
	const r = g.rectOf(i);
	if (r) {
		const b = g.canvas.getBoundingClientRect();
		showTip(t, i, b.left + r.x + Math.min(r.w / 2, 40), b.top + r.y);
	}
}

function init() {
	fromUrl();
	const tip = (g) => (i, x, y) => showTip(g.t, i, x, y);
	fg = new FlameGraph($('fg-canvas'), { onZoom: (i) => zoomTo(i), onCursor: (i) => onCursor(fg, i) });
	fg.opts.onHover = tip(fg);
	callersFg = new FlameGraph($('callers-canvas'), { onZoom: (i) => { callersFg.zoomTo(i); callersFg.draw(); },
		onCursor: (i) => onCursor(callersFg, i) });
	callersFg.opts.onHover = tip(callersFg);
	callersFg.setOrientation(true);
	calleesFg = new FlameGraph($('callees-canvas'), { onZoom: (i) => { calleesFg.zoomTo(i); calleesFg.draw(); },
		onCursor: (i) => onCursor(calleesFg, i) });
	calleesFg.opts.onHover = tip(calleesFg);
	for (const c of document.querySelectorAll('canvas'))
		c.addEventListener('blur', () => { $('tooltip').hidden = true; });

	$('query').addEventListener('submit', (e) => e.preventDefault());
	$('service').addEventListener('change', (e) => {
		state.service = e.target.value;
		state.tags = {};
		state.zoom = '';
		state.fn = '';
		state.page = 0;
		toUrl(true);
		syncControls();
		reload();
	});
	$('range').addEventListener('change', (e) => {
		if (e.target.value === 'custom') {
			const r = state.resolved || resolve();
			$('custom-range').hidden = false;
			$('from').value = inputValue(r.start);
			$('to').value = inputValue(r.end);
			$('from').focus();
			return;
		}
		state.range = e.target.value;
		state.zoom = '';
		toUrl(true);
		syncControls();
		reload();
	});
	$('zone').addEventListener('change', (e) => {
		const a = fromInput($('from').value), b = fromInput($('to').value);
		state.zone = e.target.value;
		$('from').value = inputValue(a);
		$('to').value = inputValue(b);
		$('bfrom').value = inputValue(state.bfrom);
		$('bto').value = inputValue(state.bto);
		toUrl();
	});
	$('apply-range').addEventListener('click', () => {
		const a = fromInput($('from').value), b = fromInput($('to').value);
		if (!a || !b || a >= b) {
			message($('messages'), 'error', 'Choose a start time before the end time.');
			return;
		}
		state.range = 'custom';
		state.from = a;
		state.to = b;
		state.zoom = '';
		toUrl(true);
		reload();
	});
	for (const t of P.TAGS) {
		$(`f-${t.url}`).addEventListener('change', (e) => {
			if (e.target.value)
				state.tags[t.url] = e.target.value;
			else
				delete state.tags[t.url];
			state.zoom = '';
			state.page = 0;
			toUrl(true);
			reload();
		});
	}
	for (const b of document.querySelectorAll('.tabs button'))
		b.addEventListener('click', () => setView(b.dataset.view));
	let timer = 0;
	$('search').addEventListener('input', (e) => {
		clearTimeout(timer);
		timer = setTimeout(() => {
			state.search = e.target.value;
			state.fn = '';
			toUrl();
			refreshHighlight();
		}, 120);
	});
	$('orient').addEventListener('click', () => {
		state.orient = state.orient === 'flame' ? 'icicle' : 'flame';
		toUrl();
		syncControls();
		fg.setOrientation(state.orient === 'flame');
		fg.draw();
	});
	$('reset').addEventListener('click', () => zoomTo(0));
	$('copy-link').addEventListener('click', copyLink);
	$('prev-page').addEventListener('click', () => { state.page--; toUrl(); loadTable(); });
	$('next-page').addEventListener('click', () => { state.page++; toUrl(); loadTable(); });
	for (const r of document.querySelectorAll('input[name="bkind"]')) {
		r.addEventListener('change', () => {
			state.bkind = r.value;
			syncControls();
		});
	}
	$('base').addEventListener('submit', (e) => {
		e.preventDefault();
		if (state.bkind === 'profile') {
			state.bprofile = $('bprofile').value.trim();
		} else {
			const a = fromInput($('bfrom').value), b = fromInput($('bto').value);
			if (!a || !b || a >= b) {
				message($('messages'), 'error', 'Choose a base start time before its end time.');
				return;
			}
			state.bfrom = a;
			state.bto = b;
			state.bhost = $('bhost').value;
			state.bprofile = '';
		}
		state.zoom = '';
		toUrl(true);
		loadGraph();
	});
	$('palette').addEventListener('change', (e) => {
		state.palette = e.target.checked ? 'cb' : 'std';
		document.body.dataset.palette = state.palette;
		toUrl();
		fg.draw();
	});
	window.addEventListener('popstate', () => {
		fromUrl();
		syncControls();
		reload();
	});

	syncControls();
	loadServices().then(() => {
		syncControls();
		toUrl();
		reload();
	});
}

init();
