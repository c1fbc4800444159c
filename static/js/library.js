// library.js - the ad hoc library in the UI, kept apart from the pages'
// own scripts: on the ad hoc page an "Import…" button with drag and drop
// and an upload progress bar, and a library panel (search q=, pin, title
// and note, delete with confirmation, the producing request); on the
// status page an audit panel whose requests link to the flamegraphs they
// produced.  Every string from the server goes in as text.
import { api, apiUrl, clear, errText, h, message, parseUtc, fmtLocal } from './util.js';

const msgs = () => document.getElementById('messages') || document.body;
const service = () => document.getElementById('service')?.value ||
	new URLSearchParams(location.search).get('service') || '';

// upload(file, svc, host, bar): POST the file with upload progress.
// XMLHttpRequest, because fetch() reports no upload progress.
function upload(file, svc, host, bar) {
	return new Promise((resolve, reject) => {
		const x = new XMLHttpRequest();

		x.open('POST', apiUrl('/profiles/import', { serviceName: svc, hostname: host }));
		x.setRequestHeader('X-Ember-Request', 'import');
		x.upload.onprogress = (e) => {
			if (e.lengthComputable)
				bar.value = e.loaded / e.total;
		};
		x.onload = () => {
			let body = null;
			try { body = JSON.parse(x.responseText); } catch (e) { body = x.responseText; }
			if (x.status === 201)
				resolve(body);
			else
				reject(new Error(`${x.status}: ${JSON.stringify(body?.detail ?? body).slice(0, 300)}`));
		};
		x.onerror = () => reject(new Error('network error'));
		x.send(file);
	});
}

async function importFiles(files, panel) {
	const bar = panel.querySelector('progress');

	for (const f of files) {
		const host = prompt(`Host name for ${f.name}:`, 'imported');
		if (!host)
			return;
		bar.hidden = false;
		bar.value = 0;
		try {
			const r = await upload(f, service(), host, bar);
			message(msgs(), 'ok', `Imported ${f.name} as ${r.format} (${r.stacks} stacks): ${r.filename}`);
		} catch (e) {
			message(msgs(), 'error', `Import of ${f.name} failed: ${e.message}`);
		}
		bar.hidden = true;
	}
	await renderLibrary(panel);
}

async function post(path, body) {
	return api(path, null, { method: 'POST', body });
}

// One row of the library panel.
function row(it, panel) {
	const target = { serviceName: service(), filename: it.filename };
	const again = () => renderLibrary(panel);
	const origin = it.request_id ?
		h('span', {}, `request ${it.request_id.slice(0, 8)} by ${it.requester || '?'}`) :
		(it.source === 'import' ? `imported by ${it.importer}` : 'agent');

	return h('tr', { 'data-file': it.filename },
		h('td', {}, h('a', { href: `adhoc.html?service=${encodeURIComponent(service())}&file=${encodeURIComponent(it.filename)}` },
			it.title || it.filename), it.removed ? ' (removed)' : ''),
		h('td', {}, it.hostname),
		h('td', {}, fmtLocal(parseUtc(it.timestamp))),
		h('td', {}, origin),
		h('td', { class: 'note' }, it.note),
		h('td', {},
			h('button', { type: 'button', class: 'small', 'aria-pressed': String(it.pinned),
				onclick: async () => { await post('/metrics/adhoc_flamegraph/pin', { ...target, pinned: !it.pinned }).catch((e) => message(msgs(), 'error', errText(e))); again(); } },
				it.pinned ? 'Unpin' : 'Pin'),
			h('button', { type: 'button', class: 'small',
				onclick: async () => {
					const title = prompt('Title (at most 200 characters):', it.title);
					if (title === null) return;
					const note = prompt('Note (at most 4000 characters):', it.note);
					if (note === null) return;
					await post('/metrics/adhoc_flamegraph/note', { ...target, title, note }).catch((e) => message(msgs(), 'error', errText(e)));
					again();
				} }, 'Note…'),
			h('button', { type: 'button', class: 'small danger',
				onclick: async () => {
					if (!confirm(`Delete ${it.filename}? Its page, stacks and record go for good.`))
						return;
					await post('/metrics/adhoc_flamegraph/delete', target).catch((e) => message(msgs(), 'error', errText(e)));
					again();
				} }, 'Delete…')));
}

async function renderLibrary(panel) {
	const tbody = panel.querySelector('tbody');
	const q = panel.querySelector('input[type=search]').value;

	if (!service())
		return;
	try {
		const items = await api('/metrics/adhoc_flamegraphs', {
			serviceName: service(), startTime: '2000-01-01T00:00:00',
			endTime: '2100-01-01T00:00:00', q, limit: 200,
		});
		clear(tbody).append(...items.map((it) => row(it, panel)));
	} catch (e) {
		message(msgs(), 'error', `Library: ${errText(e)}`);
	}
}

function adhocPage() {
	const main = document.querySelector('main');
	const input = h('input', { type: 'file', hidden: true, multiple: true,
		onchange: () => importFiles([...input.files], panel) });
	const panel = h('section', { class: 'panel', id: 'library-panel', 'aria-label': 'Library' },
		h('div', { class: 'panel-head wrap' },
			h('h2', {}, 'Library'),
			h('button', { type: 'button', id: 'import', onclick: () => input.click() }, 'Import…'),
			input,
			h('input', { type: 'search', placeholder: 'Search titles and notes', 'aria-label': 'Search the library',
				onchange: () => renderLibrary(panel) }),
			h('progress', { id: 'import-progress', max: 1, value: 0, hidden: true })),
		h('p', { class: 'note' }, 'Drop folded, collapsed, perf script, pprof or flamegraph HTML files here.'),
		h('div', { class: 'table-wrap' },
			h('table', {}, h('thead', {}, h('tr', {}, ['Flamegraph', 'Host', 'Time', 'From', 'Note', ''].map((t) => h('th', {}, t)))),
				h('tbody'))));

	panel.addEventListener('dragover', (e) => { e.preventDefault(); panel.classList.add('drop'); });
	panel.addEventListener('dragleave', () => panel.classList.remove('drop'));
	panel.addEventListener('drop', (e) => {
		e.preventDefault();
		panel.classList.remove('drop');
		importFiles([...e.dataTransfer.files], panel);
	});
	main.appendChild(panel);
	document.getElementById('service')?.addEventListener('change', () => renderLibrary(panel));
	setTimeout(() => renderLibrary(panel), 500);
}

function statusPage() {
	const main = document.querySelector('main');
	const list = h('ul', { id: 'audit-list' });
	const panel = h('section', { class: 'panel', id: 'audit-panel', 'aria-label': 'Audit' },
		h('div', { class: 'panel-head' }, h('h2', {}, 'Who did what')), list);

	async function load() {
		try {
			const items = await api('/audit', { serviceName: service(), limit: 50 });
			clear(list).append(...items.map((e) => {
				const li = h('li', {}, `${fmtLocal(parseUtc(e.at))} ${e.actor} ${e.action} ${e.serviceName} ${e.target}`);
				if (e.action === 'profile_request') {
					const out = h('span', { class: 'lineage' });
					li.append(' ', h('button', { type: 'button', class: 'small', onclick: async () => {
						let r;
						try {
							r = await api(`/metrics/profile_request/${encodeURIComponent(e.target)}/flamegraphs`);
						} catch (err) {
							clear(out).append(' ', errText(err));
							return;
						}
						const links = (r?.flamegraphs || []).map((f) => h('a', { href: `adhoc.html?service=${encodeURIComponent(f.serviceName)}&file=${encodeURIComponent(f.filename)}` }, f.filename));
						clear(out).append(' ', ...(links.length ? links.flatMap((a, i) => (i ? [', ', a] : [a])) : ['no flamegraph yet']));
					} }, 'Flamegraphs'), out);
				}
				return li;
			}));
		} catch (e) {
			clear(list).append(h('li', {}, errText(e)));
		}
	}
	main.appendChild(panel);
	load();
	setInterval(load, 30000);
}

if (document.getElementById('list-panel'))
	adhocPage();
else if (document.getElementById('controls'))
	statusPage();
