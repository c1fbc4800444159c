// status.js - the Dynamic Profiling page: the hosts that send heartbeats,
// their current command, and the Start / Stop controls that create
// profile requests (POST /api/metrics/profile_request, one per service).

import {
	h, clear, api, errText, parseUtc, fmtStamp, fmtAgo, tzLabel,
	readQuery, writeQuery, message,
} from './util.js';

const REFRESH_MS = 30000;
const PAGE_SIZE = 50;

// The per-profiler options, in the order upstream's UI sends them.
const PROFILERS = [
	{ key: 'perf', label: 'Perf (C, C++, Go, Kernel)', def: 'enabled_restricted',
		opts: [['enabled_restricted', 'Enabled Restricted'],
			['enabled_aggressive', 'Enabled Aggressive'], ['disabled', 'Disabled']] },
	{ key: 'async_profiler', label: 'Async Profiler (Java)', def: 'enabled',
		opts: [['enabled', 'Enabled'], ['disabled', 'Disabled']] },
	{ key: 'pyperf', label: 'Pyperf (Python)', def: 'enabled',
		opts: [['enabled', 'Enabled'], ['disabled', 'Disabled']] },
	{ key: 'pyspy', label: 'Pyspy (Python)', def: 'enabled_fallback',
		opts: [['enabled_fallback', 'Enabled as fallback for Pyperf'],
			['enabled', 'Enabled'], ['disabled', 'Disabled']] },
	{ key: 'rbspy', label: 'Rbspy (Ruby)', def: 'enabled',
		opts: [['enabled', 'Enabled'], ['disabled', 'Disabled']] },
	{ key: 'phpspy', label: 'PHPspy (PHP)', def: 'enabled',
		opts: [['enabled', 'Enabled'], ['disabled', 'Disabled']] },
	{ key: 'dotnet_trace', label: '.NET Trace', def: 'enabled',
		opts: [['enabled', 'Enabled'], ['disabled', 'Disabled']] },
	{ key: 'nodejs_perf', label: 'Perf (NodeJS)', def: 'enabled',
		opts: [['enabled', 'Enabled'], ['disabled', 'Disabled']] },
];

// URL parameter <-> filter field <-> host_status query parameter.
const FILTERS = [
	{ url: 'service', field: 'f-service', api: 'service_name' },
	{ url: 'hostname', field: 'f-hostname', api: 'hostname' },
	{ url: 'pids', field: 'f-pids', api: 'pids' },
	{ url: 'ip', field: 'f-ip', api: 'ip_address' },
	{ url: 'commandType', field: 'f-command', api: 'command_type' },
	{ url: 'status', field: 'f-status', api: 'profiling_status' },
];

const $ = (id) => document.getElementById(id);

const state = {
	filters: {},		// applied filters, by URL name
	sort: { key: 'hostname', dir: 'asc' },
	page: 0,
	rows: [],
	selected: new Set(),	// row keys
	loading: false,
	seq: 0,
	loadedAt: null,
	error: null,
	pageText: '',
};

// rowKey(r): a host is one (service, hostname) pair, as in HostHeartbeats.
const rowKey = (r) => `${r.service_name}\u0000${r.hostname}`;

// readFiltersFromUrl(): the applied filters, sort and page from the URL.
function readFiltersFromUrl() {
	const q = readQuery();

	state.filters = {};
	for (const f of FILTERS) {
		if (q[f.url])
			state.filters[f.url] = q[f.url];
		$(f.field).value = q[f.url] || '';
	}
	if (q.sort && document.querySelector(`th[data-key="${CSS.escape(q.sort)}"]`))
		state.sort.key = q.sort;
	state.sort.dir = q.dir === 'desc' ? 'desc' : 'asc';
	state.page = Math.max(0, (parseInt(q.page, 10) || 1) - 1);
}

// syncUrl(): mirror filters, sort and page into the URL.
function syncUrl() {
	const q = { ...state.filters };

	if (state.sort.key !== 'hostname' || state.sort.dir !== 'asc') {
		q.sort = state.sort.key;
		q.dir = state.sort.dir;
	}
	if (state.page > 0)
		q.page = state.page + 1;
	writeQuery(q);
}

// apiParams(): the host_status query for the applied filters.
function apiParams() {
	const p = {};

	for (const f of FILTERS) {
		const v = state.filters[f.url];
		if (!v)
			continue;
		if (f.url === 'pids')
			p.pids = v.split(/[\s,]+/).filter((x) => /^\d+$/.test(x));
		else
			p[f.api] = v;
	}
	return p;
}

// load(): fetch the hosts with the applied filters.  The table keeps its
// old rows while loading, so an auto-refresh never makes the page jump.
async function load() {
	const seq = ++state.seq;
	let data;

	state.loading = true;
	$('busy').classList.add('on');
	try {
		data = await api('/metrics/profiling/host_status', apiParams());
		if (seq !== state.seq)
			return;
		// Pinterest's later shape is {hosts: [...]}; upstream's is an array.
		if (data && !Array.isArray(data) && Array.isArray(data.hosts))
			data = data.hosts;
		state.rows = Array.isArray(data) ? data : [];
		state.error = null;
		state.loadedAt = new Date();
		pruneSelection();
	} catch (e) {
		if (seq !== state.seq)
			return;
		state.error = e;
	} finally {
		if (seq === state.seq) {
			state.loading = false;
			$('busy').classList.remove('on');
		}
	}
	render();
}

// pruneSelection(): keep only the selected hosts that are still listed.
function pruneSelection() {
	const keys = new Set(state.rows.map(rowKey));

	for (const k of [...state.selected]) {
		if (!keys.has(k))
			state.selected.delete(k);
	}
}

// sortValue(r, key): what a column sorts by.
function sortValue(r, key) {
	if (key === 'heartbeat_timestamp') {
		const d = parseUtc(r.heartbeat_timestamp);
		return d ? d.getTime() : 0;
	}
	if (key === 'pids')
		return Array.isArray(r.pids) ? r.pids.join(',') : '';
	return r[key] === null || r[key] === undefined ? '' : String(r[key]);
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

// sortedRows(): the rows in the chosen order (ties broken by service, host).
function sortedRows() {
	const { key, dir } = state.sort;
	const m = dir === 'asc' ? 1 : -1;

	return [...state.rows].sort((a, b) => {
		const va = sortValue(a, key), vb = sortValue(b, key);
		let c = typeof va === 'number' ? va - vb : collator.compare(va, vb);
		if (c === 0)
			c = collator.compare(rowKey(a), rowKey(b));
		return c * m;
	});
}

// profileUrl(r, adhoc): where the profile links of a host point.  Ad hoc
// opens our ad hoc view with service + host preselected; "View Profile"
// opens the explorer on the service and host over the last hour, or
// <meta name="ember-profile-url"> ({service}, {host}) when set.
function profileUrl(r, adhoc) {
	const tpl = document.querySelector('meta[name="ember-profile-url"]')?.getAttribute('content');

	if (!adhoc && tpl)
		return tpl.replace('{service}', encodeURIComponent(r.service_name))
			.replace('{host}', encodeURIComponent(r.hostname));
	if (!adhoc)
		return `explorer.html?${new URLSearchParams({ service: r.service_name, host: r.hostname, range: '1h' })}`;
	return `adhoc.html?${new URLSearchParams({ service: r.service_name, host: r.hostname, time: '24h' })}`;
}

// runningUntil(r): when a started command is still profiling, the time
// it ends (start reported by the agent + the command's duration), else
// null.  The agent reports "completed" as soon as the profiler starts.
function runningUntil(r, now = Date.now()) {
	const t = parseUtc(r.command_started_at);
	const d = Number(r.duration);

	if (r.command_type !== 'start' || r.profiling_status !== 'completed' || !t || !(d > 0))
		return null;
	const until = new Date(t.getTime() + d * 1000);
	return until.getTime() > now ? until : null;
}

// renderRow(r): one table row.
function renderRow(r) {
	const key = rowKey(r);
	const sel = state.selected.has(key);
	const d = parseUtc(r.heartbeat_timestamp);
	const pids = Array.isArray(r.pids) && r.pids.length ? r.pids.join(', ') : '';
	const until = runningUntil(r);
	const status = until ? 'running' : (r.profiling_status || 'stopped');
	const cmd = r.command_type || 'N/A';
	const done = r.command_type === 'start' && r.profiling_status === 'completed';
	const cb = h('input', {
		type: 'checkbox', 'data-row': key, checked: sel,
		'aria-label': `Select ${r.hostname} (${r.service_name})`,
		onchange: (ev) => toggle(key, ev.target.checked),
	});

	return h('tr', { 'aria-selected': sel ? 'true' : 'false', 'data-key': key,
		onclick: (ev) => {
			if (ev.target.closest('a, input, button'))
				return;
			toggle(key, !state.selected.has(key));
		} },
	h('td', { class: 'col-check' }, cb),
	h('td', { title: r.service_name }, r.service_name),
	h('td', { class: 'mono', title: r.hostname }, r.hostname),
	h('td', { class: 'mono', title: pids || 'all processes' }, pids || h('span', { class: 'muted' }, 'all')),
	h('td', { class: 'mono' }, r.ip_address || ''),
	h('td', {}, h('span', { class: `badge ${cmd}` }, cmd)),
	h('td', { title: until ? `${r.continuous ? 'Continuous' : 'Ad hoc'} run of ${r.duration} s` : null },
		h('span', { class: `badge ${status}` }, status),
		until ? h('span', { class: 'until' }, ` until ${fmtStamp(until)}`) : null),
	h('td', { class: 'ts', title: d ? `${d.toISOString()} (UTC)` : '' },
		d ? fmtStamp(d) : h('span', { class: 'muted' }, 'never'),
		d ? h('span', { class: 'ago' }, fmtAgo(d)) : null),
	h('td', {}, done ? h('span', { class: 'links' },
		h('a', { href: profileUrl(r, false), target: '_blank', rel: 'noopener' }, 'View Profile'),
		h('a', { href: profileUrl(r, true), target: '_blank', rel: 'noopener' }, 'View Adhoc Profile'))
		: null));
}

// render(): redraw table, counts, pager and buttons from the state.
function render() {
	const body = $('hosts-body');
	const rows = sortedRows();
	const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
	const active = document.activeElement;
	const focusRow = active && active.dataset ? active.dataset.row : null;
	let slice, st;

	if (state.page >= pages)
		state.page = pages - 1;
	slice = rows.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE);

	clear(body);
	for (const r of slice)
		body.appendChild(renderRow(r));
	if (focusRow) {
		const again = body.querySelector(`input[data-row="${CSS.escape(focusRow)}"]`);
		if (again)
			again.focus();
	}

	st = $('hosts-state');
	st.classList.toggle('error', !!state.error);
	if (state.error) {
		st.hidden = false;
		st.textContent = `Error loading hosts: ${errText(state.error)}`;
	} else if (!rows.length && !state.loadedAt) {
		st.hidden = false;
		st.textContent = 'Loading hosts...';
	} else if (!rows.length) {
		st.hidden = false;
		st.textContent = filtersActive() ?
			'No hosts match these filters.' :
			'No hosts have sent a heartbeat yet.';
	} else {
		st.hidden = true;
		st.textContent = '';
	}

	clear($('count')).append(h('strong', {}, String(rows.length)),
		rows.length === 1 ? ' host found' : ' hosts found');
	state.pageText = rows.length ?
		`${state.page * PAGE_SIZE + 1}–${state.page * PAGE_SIZE + slice.length} of ${rows.length}` : '';
	$('prev-page').disabled = state.page === 0;
	$('next-page').disabled = state.page >= pages - 1;
	$('refreshed').textContent = state.loadedAt ?
		`Updated ${state.loadedAt.toLocaleTimeString(navigator.language)} · refreshes every 30 s · times in ${tzLabel()}` : '';

	for (const th of document.querySelectorAll('th.sortable')) {
		const on = th.dataset.key === state.sort.key;
		th.setAttribute('aria-sort', on ? (state.sort.dir === 'asc' ? 'ascending' : 'descending') : 'none');
		th.querySelector('.sort-ind').textContent = on ? (state.sort.dir === 'asc' ? '▲' : '▼') : '';
	}
	renderSelection();
}

// renderSelection(): the Start/Stop counts and the select-all box.
function renderSelection() {
	const n = state.selected.size;
	const all = $('select-all');

	$('start').textContent = `Start (${n})`;
	$('stop').textContent = `Stop (${n})`;
	$('start').disabled = n === 0 || !controlsValid();
	$('stop').disabled = n === 0;
	all.checked = n > 0 && n === state.rows.length;
	all.indeterminate = n > 0 && n < state.rows.length;
	for (const tr of $('hosts-body').rows) {
		const on = state.selected.has(tr.dataset.key);
		tr.setAttribute('aria-selected', on ? 'true' : 'false');
		tr.querySelector('input[type="checkbox"]').checked = on;
	}
	$('page-info').textContent = state.pageText + (n && state.pageText ? ` · ${n} selected` : '');
}

function toggle(key, on) {
	if (on)
		state.selected.add(key);
	else
		state.selected.delete(key);
	renderSelection();
}

const filtersActive = () => Object.keys(state.filters).length > 0;

// applyFilters(): take the filter fields, mirror them, reload.
function applyFilters() {
	state.filters = {};
	for (const f of FILTERS) {
		const v = $(f.field).value.trim();
		if (v)
			state.filters[f.url] = v;
	}
	state.page = 0;
	syncUrl();
	load();
}

function clearFilters() {
	for (const f of FILTERS)
		$(f.field).value = '';
	applyFilters();
}

// ---- controls ----

function mode() {
	return document.querySelector('input[name="mode"]:checked').value;
}

// checkNumber(id, lo, hi, what): validate one number field, showing why.
function checkNumber(id, lo, hi, what) {
	const el = $(id);
	const err = $(`${id}-err`);
	const v = el.value.trim();
	const n = Number(v);
	let msg = '';

	if (el.disabled) {
		msg = '';
	} else if (v === '' || !Number.isInteger(n)) {
		msg = `${what} must be a whole number`;
	} else if (n < lo || n > hi) {
		msg = `${what} must be ${lo}–${hi}`;
	}
	el.setAttribute('aria-invalid', msg ? 'true' : 'false');
	err.textContent = msg;
	return !msg;
}

function controlsValid() {
	const a = checkNumber('frequency', 1, 1000, 'Frequency');
	const b = checkNumber('max-processes', 0, 1000, 'Max processes');
	const c = checkNumber('duration', 1, 3600, 'Duration');

	return a && b && c;
}

// onModeChange(): duration is fixed at 60 s in continuous mode.
function onModeChange() {
	const d = $('duration');

	if (mode() === 'continuous') {
		d.dataset.adhoc = d.value;
		d.value = '60';
		d.disabled = true;
		$('duration-hint').textContent = 'Fixed at 60 s in continuous mode';
	} else {
		d.disabled = false;
		if (d.dataset.adhoc)
			d.value = d.dataset.adhoc;
		$('duration-hint').textContent = '1–3600 s';
	}
	renderSelection();
}

function profilerConfigs() {
	const out = {};

	for (const p of PROFILERS)
		out[p.key] = document.querySelector(`input[name="prof-${p.key}"]:checked`).value;
	return out;
}

function renderProfilers() {
	const box = $('profilers');

	for (const p of PROFILERS) {
		box.appendChild(h('fieldset', {},
			h('legend', {}, p.label),
			h('div', { class: 'radios' }, p.opts.map(([v, label]) =>
				h('label', {}, h('input', { type: 'radio', name: `prof-${p.key}`, value: v, checked: v === p.def }),
					` ${label}`)))));
	}
}

// requestBody(service, hosts, type): what upstream's UI posts.
function requestBody(service, hosts, type) {
	const continuous = mode() === 'continuous';
	const body = {
		service_name: service,
		request_type: type,
		continuous,
		duration: continuous ? 60 : Number($('duration').value),
		frequency: Number($('frequency').value),
		profiling_mode: 'cpu',
		target_hosts: Object.fromEntries(hosts.map((x) => [x, null])),
		additional_args: {
			enable_perfspect: $('perfspect').checked,
			profiler_configs: profilerConfigs(),
			max_processes: Number($('max-processes').value),
		},
	};

	if (type === 'stop')
		body.stop_level = 'host';
	return body;
}

// selectedByService(): {service: [host, ...]} of the selection.
function selectedByService() {
	const out = new Map();

	for (const k of [...state.selected].sort(collator.compare)) {
		const [svc, host] = k.split('\u0000');
		if (!out.has(svc))
			out.set(svc, []);
		out.get(svc).push(host);
	}
	return out;
}

// confirm(type): show the confirmation dialog; on OK send the requests.
function confirmAction(type) {
	const groups = selectedByService();
	const dlg = $('confirm');
	const body = clear($('confirm-body'));
	const n = state.selected.size;
	const continuous = mode() === 'continuous';
	const verb = type === 'start' ? 'Start' : 'Stop';

	if (!n || (type === 'start' && !controlsValid()))
		return;
	$('confirm-title').textContent = `Confirm ${verb} Profiling`;
	body.append(h('p', {}, `${verb} profiling on ${n} ${n === 1 ? 'host' : 'hosts'} ` +
		`in ${groups.size} ${groups.size === 1 ? 'service' : 'services'}:`));
	for (const [svc, hosts] of groups) {
		body.append(h('h3', {}, `${svc} (${hosts.length})`),
			h('div', { class: 'chips' }, hosts.map((x) => h('span', { class: 'chip' }, x))));
	}
	if (type === 'start') {
		const cfg = profilerConfigs();
		body.append(h('h3', {}, 'Configuration'),
			h('dl', { class: 'summary' },
				h('dt', {}, 'Mode'), h('dd', {}, continuous ? 'Continuous' : 'Ad Hoc'),
				h('dt', {}, 'Duration'), h('dd', {}, `${continuous ? 60 : $('duration').value} s`),
				h('dt', {}, 'Frequency'), h('dd', {}, `${$('frequency').value} Hz`),
				h('dt', {}, 'Max processes'), h('dd', {}, $('max-processes').value),
				h('dt', {}, 'PerfSpect'), h('dd', {}, $('perfspect').checked ? 'Enabled' : 'Disabled'),
				PROFILERS.map((p) => [h('dt', {}, p.label),
					h('dd', {}, p.opts.find(([v]) => v === cfg[p.key])[1])])));
	} else {
		body.append(h('p', { class: 'note' }, 'Every profiler on these hosts is stopped (host level stop).'));
	}
	$('confirm-ok').textContent = `${verb} Profiling`;
	$('confirm-ok').className = type === 'start' ? 'start' : 'stop';
	dlg.returnValue = '';
	dlg.onclose = () => {
		if (dlg.returnValue === 'ok')
			send(type, groups);
	};
	dlg.showModal();
	$('confirm-cancel').focus();
}

// send(type, groups): one profile_request per service, then report each.
async function send(type, groups) {
	const box = $('messages');
	const verb = type === 'start' ? 'Start' : 'Stop';
	const btns = [$('start'), $('stop')];
	let results;

	clear(box);
	btns.forEach((b) => { b.disabled = true; });
	results = await Promise.allSettled([...groups].map(([svc, hosts]) =>
		api('/metrics/profile_request', null, { method: 'POST', body: requestBody(svc, hosts, type) })));
	[...groups].forEach(([svc, hosts], i) => {
		const r = results[i];
		const what = `${hosts.length} ${hosts.length === 1 ? 'host' : 'hosts'}`;
		if (r.status === 'fulfilled' && r.value && r.value.success !== false) {
			message(box, 'ok', r.value.message ||
				`${verb} request submitted for service '${svc}' (${what}).`);
			// The selection stays, so a Stop (or a retry) needs no re-picking.
		} else {
			const why = r.status === 'rejected' ? errText(r.reason) :
				(r.value && r.value.message) || 'the server refused the request';
			message(box, 'error', `${verb} failed for service '${svc}' (${what}): ${why}`);
		}
	});
	$('perfspect').checked = false;
	await load();
}

// ---- wiring ----

function init() {
	renderProfilers();
	for (const th of document.querySelectorAll('th.sortable')) {
		const label = th.textContent;
		clear(th).append(h('button', { type: 'button', onclick: () => {
			if (state.sort.key === th.dataset.key) {
				state.sort.dir = state.sort.dir === 'asc' ? 'desc' : 'asc';
			} else {
				state.sort.key = th.dataset.key;
				state.sort.dir = 'asc';
			}
			syncUrl();
			render();
		} }, label, h('span', { class: 'sort-ind', 'aria-hidden': 'true' })));
	}
	readFiltersFromUrl();

	$('filters').addEventListener('submit', (ev) => {
		ev.preventDefault();
		applyFilters();
	});
	$('f-command').addEventListener('change', applyFilters);
	$('f-status').addEventListener('change', applyFilters);
	$('clear-filters').addEventListener('click', clearFilters);
	$('refresh').addEventListener('click', () => load());
	$('start').addEventListener('click', () => confirmAction('start'));
	$('stop').addEventListener('click', () => confirmAction('stop'));
	$('select-all').addEventListener('change', (ev) => {
		if (ev.target.checked)
			state.rows.forEach((r) => state.selected.add(rowKey(r)));
		else
			state.selected.clear();
		renderSelection();
	});
	$('prev-page').addEventListener('click', () => { state.page--; syncUrl(); render(); });
	$('next-page').addEventListener('click', () => { state.page++; syncUrl(); render(); });
	for (const r of document.querySelectorAll('input[name="mode"]'))
		r.addEventListener('change', onModeChange);
	for (const id of ['frequency', 'max-processes', 'duration'])
		$(id).addEventListener('input', renderSelection);
	$('controls').addEventListener('submit', (ev) => ev.preventDefault());
	window.addEventListener('popstate', () => {
		readFiltersFromUrl();
		load();
	});

	render();
	load();
	setInterval(() => {
		if (!state.loading)
			load();
	}, REFRESH_MS);
}

init();
