// adhoc.js - the Ad Hoc Flamegraphs view: pick a service, a time range
// and a host, list the flamegraphs agents uploaded, and show one.
//
// The flamegraph HTML comes from agents and is untrusted.  It is loaded
// from the raw HTML URL into <iframe sandbox="allow-scripts allow-forms">
// and never given allow-same-origin: its script runs in an opaque origin,
// so it cannot read this page, its cookies or storage, or call the API as
// the viewer.  allow-forms lets the agents' search box fire its submit
// event (Enter searches); the raw page's own policy (form-action 'none')
// still stops every submission.  This page never reads the HTML itself.

import {
	h, clear, api, apiUrl, errText, parseUtc, fmtLocal, fmtStamp, fmtSize, tzLabel,
	readQuery, writeQuery, message, ApiError,
} from './util.js';

const PAGE_SIZE = 50;		// rows per page unless the URL says limit=N
const PAGE_MAX = 500;

const RANGES = {
	'15min': 15 * 60e3, '30min': 30 * 60e3, '1h': 3600e3, '6h': 6 * 3600e3,
	'24h': 24 * 3600e3, '7d': 7 * 86400e3,
};
// Upstream's names for the same presets, accepted in links.
const RANGE_ALIASES = { hourly: '1h', daily: '24h', weekly: '7d', '1d': '24h', '60min': '1h' };

const $ = (id) => document.getElementById(id);

const state = {
	service: '',
	time: '1h',
	from: '',		// ISO UTC, custom range only
	to: '',
	host: '',
	file: '',		// selected filename, or "latest"
	page: 0,
	limit: PAGE_SIZE,
	files: [],		// this page's rows
	more: false,
	loaded: false,
	error: null,
	seq: 0,
	hostSeq: 0,
	frameFile: null,	// what the iframe shows now
	hostTags: [],		// hostnames from the tag endpoint
};

// hostFromFilter(f): the host of upstream's compact URL filter
// ("hn,is,<host>"), so links made for upstream's UI work here too.
function hostFromFilter(f) {
	const m = /^hn,is,([^,]+)/.exec(f || '');
	return m ? m[1] : '';
}

// fromUrl(): the view state from the query string.
function fromUrl() {
	const q = readQuery();
	let t = q.time || '1h';

	t = RANGE_ALIASES[t] || t;
	if (q.from && q.to && (!q.time || t === 'custom'))
		t = 'custom';
	if (!RANGES[t] && t !== 'custom')
		t = '1h';
	state.service = q.service || '';
	state.time = t;
	state.from = q.from || '';
	state.to = q.to || '';
	state.host = q.host || hostFromFilter(q.filter);
	state.file = q.file || '';
	state.page = Math.max(0, (parseInt(q.page, 10) || 1) - 1);
	state.limit = Math.min(PAGE_MAX, Math.max(1, parseInt(q.limit, 10) || PAGE_SIZE));
	if (t === 'custom' && !(parseUtc(state.from) && parseUtc(state.to)))
		state.time = '1h';
}

// toUrl(push): the view state into the query string.
function toUrl(push = false) {
	writeQuery({
		service: state.service,
		time: state.time,
		from: state.time === 'custom' ? state.from : '',
		to: state.time === 'custom' ? state.to : '',
		host: state.host,
		page: state.page > 0 ? state.page + 1 : '',
		limit: state.limit !== PAGE_SIZE ? state.limit : '',
		file: state.file,
	}, push);
}

// range(): {startTime, endTime} as the UI sends them (toISOString, UTC).
function range() {
	if (state.time === 'custom') {
		return { startTime: parseUtc(state.from).toISOString(),
			endTime: parseUtc(state.to).toISOString() };
	}
	const end = Date.now();
	return { startTime: new Date(end - RANGES[state.time]).toISOString(),
		endTime: new Date(end).toISOString() };
}

// rqlFilter(host): upstream's RQL filter for one hostname.
function rqlFilter(host) {
	return JSON.stringify({ id: '', filter: { $and: [{ HostName: { $eq: host } }] } });
}

// toLocalInput(iso): the value of a datetime-local input for a UTC time.
function toLocalInput(iso) {
	const d = parseUtc(iso);
	if (!d)
		return '';
	return fmtLocal(d).replace(' ', 'T');
}

// ---- services and hosts ----

async function loadServices() {
	const sel = $('service');
	let list = [];

	try {
		const data = await api('/services');
		list = (Array.isArray(data) ? data : [])
			.map((s) => (typeof s === 'string' ? s : s && s.name))
			.filter((s) => typeof s === 'string' && s);
	} catch (e) {
		message($('messages'), 'error', `Error loading services: ${errText(e)}`);
	}
	list = [...new Set(list)].sort((a, b) => a.localeCompare(b));
	clear(sel);
	if (state.service && list.length && !list.includes(state.service)) {
		// Kept in the list so the URL's choice is visible, and said so.
		sel.appendChild(h('option', { value: state.service }, `${state.service} (unknown)`));
		message($('messages'), 'error', `Unknown service '${state.service}': no service of that name exists. Choose one from the list.`);
		state.unknown = true;
	}
	if (!list.length)
		sel.appendChild(h('option', { value: '' }, 'No services'));
	for (const s of list)
		sel.appendChild(h('option', { value: s }, s));
	if (!state.service && list.length) {
		state.service = list[0];
		toUrl();
	}
	sel.value = state.service;
}

// hostNames(data): the host tag values, whatever shape the endpoint uses
// (["h1"], [{"name": "h1"}], {"values": [...]}, {"HostName": [...]}).
function hostNames(data) {
	let arr = data;

	if (data && !Array.isArray(data))
		arr = data.values || data.HostName || data.hostnames || data.tags || [];
	if (!Array.isArray(arr))
		return [];
	return arr.map((x) => (typeof x === 'string' ? x :
		x && (x.name || x.value || x.hostname || x.HostName)))
		.filter((x) => typeof x === 'string' && x);
}

async function loadHosts() {
	const seq = ++state.hostSeq;
	let names = [];

	if (!state.service) {
		state.hostTags = [];
		fillHosts();
		return;
	}
	try {
		names = hostNames(await api('/v1/filters/tags/HostName',
			{ serviceName: state.service, ...range() }));
	} catch (e) {
		// The list still works; hosts from the listed rows fill in.
		names = [];
	}
	if (seq !== state.hostSeq)
		return;
	state.hostTags = names;
	fillHosts();
}

// fillHosts(): the hostname options: the tag values, the hosts seen in
// the list and the chosen host.
function fillHosts() {
	const sel = $('host');
	const all = new Set(state.hostTags);

	for (const f of state.files) {
		if (f.hostname)
			all.add(f.hostname);
	}
	if (state.host)
		all.add(state.host);
	clear(sel).appendChild(h('option', { value: '' }, 'All hosts'));
	for (const n of [...all].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })))
		sel.appendChild(h('option', { value: n }, n));
	sel.value = state.host;
}

// ---- the list ----

// loadList(): fetch one page of flamegraphs.  The server pages with
// limit/offset; if it ignores them (upstream has no paging) the full list
// is paged here.
async function loadList() {
	const seq = ++state.seq;
	const params = { serviceName: state.service, ...range() };

	if (!state.service) {
		state.files = [];
		state.loaded = true;
		state.error = null;
		renderList();
		return;
	}
	if (state.host)
		params.filter = rqlFilter(state.host);
	params.limit = state.limit + 1;
	params.offset = state.page * state.limit;
	state.loading = true;
	$('busy').classList.add('on');
	renderList();
	try {
		let data = await api('/metrics/adhoc_flamegraphs', params);
		if (seq !== state.seq)
			return;
		data = Array.isArray(data) ? data : [];
		if (data.length > state.limit + 1) {
			const from = state.page * state.limit;
			state.more = data.length > from + state.limit;
			data = data.slice(from, from + state.limit);
		} else {
			state.more = data.length > state.limit;
			data = data.slice(0, state.limit);
		}
		state.files = data;
		state.error = null;
	} catch (e) {
		if (seq !== state.seq)
			return;
		state.files = [];
		state.error = e;
	}
	state.loading = false;
	state.loaded = true;
	$('busy').classList.remove('on');
	if (state.file === 'latest')
		resolveLatest();
	renderList();
	renderViewer();
	fillHosts();
}

// resolveLatest(): "file=latest" (the status page's View Profile link)
// becomes the newest flamegraph that still exists.
function resolveLatest() {
	const f = state.files.find((x) => !x.removed);

	state.file = f ? f.filename : '';
	toUrl();
	if (!f)
		message($('messages'), 'info', 'No flamegraph of this host was found in the selected time range.');
}

function fileTime(f) {
	return parseUtc(f.timestamp || f.start_time);
}

function renderList() {
	const st = $('list-state');
	const wrap = $('files-wrap');
	const body = $('files-body');
	const n = state.files.length;

	st.classList.remove('error');
	if (!state.service) {
		st.textContent = 'Select a service to list its adhoc flamegraphs.';
	} else if (state.unknown) {
		st.classList.add('error');
		st.textContent = `Unknown service '${state.service}'.`;
	} else if (state.loading && !n) {
		st.textContent = 'Loading adhoc flamegraphs...';
	} else if (state.error) {
		st.classList.add('error');
		st.textContent = `Error loading adhoc flamegraphs: ${errText(state.error)}`;
	} else if (!n) {
		st.textContent = 'No adhoc flamegraphs found for the selected service and time range.';
	} else {
		st.textContent = '';
	}
	st.hidden = !st.textContent;
	wrap.hidden = !n || !!state.error;

	$('list-summary').textContent = state.loading ? 'Loading adhoc flamegraphs...' :
		n ? `${state.page * state.limit + 1}–${state.page * state.limit + n}${state.more ? '' : ` of ${state.page * state.limit + n}`} flamegraphs` : '';
	$('pager').hidden = !(state.page > 0 || state.more);
	$('page-info').textContent = n ? `Page ${state.page + 1}` : '';
	$('prev-page').disabled = state.page === 0 || state.loading;
	$('next-page').disabled = !state.more || state.loading;

	if (state.loading && n)
		return;		// keep the old rows until the new ones arrive
	clear(body);
	for (const f of state.files)
		body.appendChild(renderFile(f));
}

function renderFile(f) {
	const d = fileTime(f);
	const removed = !!f.removed;
	const sel = !removed && f.filename === state.file;
	const ev = Array.isArray(f.perf_events) && f.perf_events.length ? f.perf_events.join(', ') : 'N/A';
	const label = `${d ? fmtStamp(d) : f.filename} - ${f.hostname || 'N/A'}`;

	return h('tr', {
		class: removed ? 'removed' : null,
		'aria-selected': sel ? 'true' : 'false',
		'aria-disabled': removed ? 'true' : null,
		'data-file': f.filename,
		title: removed ? 'Removed from storage' : null,
		onclick: removed ? null : (e) => {
			if (!e.target.closest('button'))
				select(f.filename);
		},
	},
	h('td', { class: 'ts', title: d ? `${d.toISOString()} (UTC)` : '' }, d ? fmtStamp(d) : 'N/A'),
	h('td', { class: 'mono', title: f.hostname || '' }, f.hostname || 'N/A'),
	h('td', { title: ev }, ev),
	h('td', { class: 'num' }, fmtSize(f.size)),
	h('td', { class: 'act' }, removed ?
		h('span', { class: 'badge removed' }, 'Removed') :
		h('button', { type: 'button', class: sel ? 'small primary' : 'small',
			'aria-label': `View ${label}`, 'aria-pressed': sel ? 'true' : 'false',
			onclick: () => select(f.filename) }, sel ? 'Viewing' : 'View')));
}

// ---- the viewer ----

function select(filename) {
	if (state.file === filename)
		return;
	state.file = filename;
	toUrl(true);
	renderList();
	renderViewer();
	// Bring the viewer up only when its top is off screen.
	if ($('viewer').getBoundingClientRect().top > window.innerHeight - 160)
		$('viewer').scrollIntoView({ block: 'start', behavior: 'instant' });
}

function contentUrl(filename, extra) {
	return apiUrl('/metrics/adhoc_flamegraph_content',
		{ serviceName: state.service, filename, format: 'html', ...extra });
}

// parseName(fn): time and host from "{iso}_{hex32}_{host}_{type}_flamegraph.html".
function parseName(fn) {
	const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)_[0-9a-f]{32}_(.+)_(adhoc|continuous)_flamegraph\.html$/.exec(fn || '');
	return m ? { timestamp: m[1], hostname: m[2] } : {};
}

function renderViewer() {
	const v = $('viewer');
	const box = $('frame-box');
	const fst = $('frame-state');
	const file = state.file && state.file !== 'latest' ? state.file : '';
	const row = state.files.find((x) => x.filename === file);
	const info = row || parseName(file);
	const d = info.timestamp ? parseUtc(info.timestamp) : null;
	let frame = box.querySelector('iframe');

	if (!file || !state.service) {
		v.hidden = true;
		if (frame)
			frame.remove();
		state.frameFile = null;
		return;
	}
	v.hidden = false;
	clear($('viewer-meta')).append(...[
		h('span', {}, 'Time ', h('b', { class: 'ts' }, d ? fmtStamp(d) : 'N/A')),
		h('span', {}, 'Host ', h('b', {}, info.hostname || 'N/A')),
		row ? h('span', {}, 'PMU events ', h('b', {}, row.perf_events && row.perf_events.length ? row.perf_events.join(', ') : 'N/A')) : null,
		row ? h('span', {}, 'Size ', h('b', {}, fmtSize(row.size))) : null,
		!row && state.loaded ? h('span', { class: 'note' }, '(not in the listed page)') : null,
	].filter(Boolean));
	$('download').href = contentUrl(file, { download: 1 });
	$('download').setAttribute('download', file);
	$('compare-with').href = `explorer.html?${new URLSearchParams({ service: state.service, view: 'compare', bprofile: file })}`;

	if (row && row.removed) {
		if (frame)
			frame.remove();
		state.frameFile = null;
		fst.hidden = false;
		fst.classList.add('error');
		fst.textContent = 'Error loading flamegraph content: this flamegraph was removed from storage.';
		$('download').hidden = true;
		$('compare-with').hidden = true;
		return;
	}
	if (state.frameFile === file)
		return;
	if (frame)
		frame.remove();
	state.frameFile = file;
	fst.hidden = false;
	fst.classList.remove('error');
	fst.textContent = 'Loading flamegraph content...';
	$('download').hidden = true;
	$('compare-with').hidden = true;
	showFrame(file);
}

// showFrame(file): ask for the content first, so that a stale or bogus
// link gets a message in the page instead of the server's JSON error in
// the frame; then load it into the sandboxed frame.
async function showFrame(file) {
	const fst = $('frame-state');
	let why = '';

	try {
		const res = await fetch(contentUrl(file), { credentials: 'same-origin' });
		if (!res.ok) {
			let detail = '';
			try {
				const b = JSON.parse(await res.text());
				detail = typeof b === 'string' ? b : (b && (b.detail || b.message)) || '';
			} catch (e) { /* not JSON */ }
			why = errText(new ApiError(res.status, res.statusText || `HTTP ${res.status}`, String(detail)));
		} else if (res.body) {
			res.body.cancel().catch(() => {});
		}
	} catch (e) {
		why = 'cannot reach the server';
	}
	if (state.frameFile !== file)
		return;
	if (why) {
		fst.hidden = false;
		fst.classList.add('error');
		fst.textContent = `This flamegraph cannot be shown: ${why}. The link may be stale (the file was removed) or wrong; choose one from the list.`;
		return;
	}
	$('download').hidden = false;
	$('compare-with').hidden = false;
	// Never allow-same-origin (see the top).
	$('frame-box').appendChild(h('iframe', {
		title: 'Adhoc Flamegraph',
		sandbox: 'allow-scripts allow-forms',
		referrerpolicy: 'no-referrer',
		src: contentUrl(file),
		onload: () => { fst.hidden = true; },
	}));
}

async function copyLink() {
	try {
		await navigator.clipboard.writeText(location.href);
		message($('messages'), 'ok', 'Link copied: it opens this flamegraph for anyone who can sign in.');
	} catch (e) {
		message($('messages'), 'info', `Copy this link: ${location.href}`);
	}
}

// ---- wiring ----

// reload(keepFile): a query changed: list again from page 1.
function reload(keepFile = false) {
	state.page = 0;
	if (!keepFile)
		state.file = '';
	toUrl();
	renderViewer();
	loadHosts();
	loadList();
}

function syncControls() {
	$('service').value = state.service;
	$('time').value = state.time;
	$('custom-range').hidden = state.time !== 'custom';
	if (state.time === 'custom') {
		$('from').value = toLocalInput(state.from);
		$('to').value = toLocalInput(state.to);
	}
	$('host').value = state.host;
}

function init() {
	fromUrl();
	$('tz').textContent = `Times in your time zone (${tzLabel()})`;
	$('th-time').title = `Local time, ${tzLabel()}`;

	$('service').addEventListener('change', (e) => {
		state.service = e.target.value;
		state.host = '';
		state.hostTags = [];
		state.files = [];
		reload();
	});
	$('time').addEventListener('change', (e) => {
		const t = e.target.value;
		if (t === 'custom') {
			const r = range();
			$('custom-range').hidden = false;
			$('from').value = toLocalInput(r.startTime);
			$('to').value = toLocalInput(r.endTime);
			$('from').focus();
			return;
		}
		state.time = t;
		$('custom-range').hidden = true;
		reload();
	});
	$('apply-range').addEventListener('click', () => {
		const a = new Date($('from').value), b = new Date($('to').value);
		if (isNaN(a.getTime()) || isNaN(b.getTime()) || a >= b) {
			message($('messages'), 'error', 'Choose a start time before the end time.');
			return;
		}
		state.time = 'custom';
		state.from = a.toISOString();
		state.to = b.toISOString();
		reload();
	});
	$('host').addEventListener('change', (e) => {
		state.host = e.target.value;
		reload();
	});
	$('refresh').addEventListener('click', () => reload(true));
	$('query').addEventListener('submit', (e) => e.preventDefault());
	$('list-toggle').addEventListener('click', () => {
		const b = $('list-toggle');
		const open = b.getAttribute('aria-expanded') !== 'true';
		b.setAttribute('aria-expanded', open ? 'true' : 'false');
		$('list-body').hidden = !open;
	});
	$('prev-page').addEventListener('click', () => { state.page--; toUrl(); loadList(); });
	$('next-page').addEventListener('click', () => { state.page++; toUrl(); loadList(); });
	$('close-viewer').addEventListener('click', () => {
		state.file = '';
		toUrl(true);
		renderList();
		renderViewer();
	});
	$('copy-link').addEventListener('click', copyLink);
	window.addEventListener('popstate', () => {
		fromUrl();
		syncControls();
		renderViewer();
		loadHosts();
		loadList();
	});

	syncControls();
	loadServices().then(() => {
		syncControls();
		renderViewer();
		loadHosts();
		loadList();
	});
}

init();
