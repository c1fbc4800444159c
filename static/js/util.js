// util.js - small helpers shared by both pages: DOM building, time
// formatting, the JSON API client and URL state.  Nothing here touches
// innerHTML: every string from the server goes in as text.

// The API base comes from <meta name="ember-api">, so a deployment that
// mounts the API elsewhere only edits the pages, not the scripts.
export const API = (document.querySelector('meta[name="ember-api"]')
	?.getAttribute('content') || '/api').replace(/\/+$/, '');

// h(tag, attrs, ...children): create an element.  attrs keys starting
// with "on" become listeners; class/for/aria-*/data-* become attributes;
// booleans set or drop the attribute; children are nodes or text.
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);

	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k.startsWith('on') && typeof v === 'function')
			el.addEventListener(k.slice(2), v);
		else if (k === 'text')
			el.textContent = v;
		else if (v === true)
			el.setAttribute(k, '');
		else
			el.setAttribute(k, String(v));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === undefined || c === null || c === false)
			continue;
		if (Array.isArray(c))
			append(el, c);
		else if (c instanceof Node)
			el.appendChild(c);
		else
			el.appendChild(document.createTextNode(String(c)));
	}
}

// clear(el): remove every child.
export function clear(el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
}

// parseUtc(s): a Date from a server timestamp.  Upstream sends naive UTC
// ("2026-03-11T10:00:00.123456"); we send "...Z".  A value without a zone
// is UTC, never browser-local time (upstream bug fixed by pinterest #74).
export function parseUtc(s) {
	let t;

	if (s === null || s === undefined || s === '')
		return null;
	t = String(s).trim().replace(' ', 'T');
	if (!/(Z|[+-]\d\d:?\d\d)$/i.test(t))
		t += 'Z';
	// Date parses at most milliseconds; drop extra fraction digits.
	t = t.replace(/(\.\d{3})\d+/, '$1');
	const d = new Date(t);
	return isNaN(d.getTime()) ? null : d;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// fmtLocal(d): "yyyy-MM-dd HH:mm:ss" in the viewer's time zone.
export function fmtLocal(d) {
	if (!d)
		return '';
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
		`${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// fmtStamp(d, utc): the one date format of every page, ISO-like with the
// zone shown: "2026-03-11 15:30:00 UTC+05:30" (viewer's zone) or
// "2026-03-11 10:00:00 UTC".
export function fmtStamp(d, utc = false) {
	if (!d)
		return '';
	if (utc)
		return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
	return `${fmtLocal(d)} ${tzLabel(d)}`;
}

// fmtLocale(d): the viewer's own locale format, 12/24 h as they prefer.
export function fmtLocale(d) {
	if (!d)
		return '';
	return d.toLocaleString(navigator.language, {
		year: 'numeric', month: '2-digit', day: '2-digit',
		hour: '2-digit', minute: '2-digit', second: '2-digit',
	});
}

// fmtAgo(d, now): "12s ago", "5m ago", "3h ago", "2d ago".
export function fmtAgo(d, now = Date.now()) {
	let s;

	if (!d)
		return '';
	s = Math.round((now - d.getTime()) / 1000);
	if (s < 0)
		return 'in the future';
	if (s < 60)
		return `${s}s ago`;
	if (s < 3600)
		return `${Math.floor(s / 60)}m ago`;
	if (s < 86400)
		return `${Math.floor(s / 3600)}h ago`;
	return `${Math.floor(s / 86400)}d ago`;
}

// tzLabel(): "UTC+01:00" for the viewer's current offset.
export function tzLabel(d = new Date()) {
	const off = -d.getTimezoneOffset();
	const sign = off < 0 ? '-' : '+';
	const a = Math.abs(off);

	return `UTC${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

// fmtSize(bytes): "12.34 KB" as upstream shows, MB past 10 MB.
export function fmtSize(n) {
	if (n === null || n === undefined || n === '' || isNaN(Number(n)))
		return 'N/A';
	n = Number(n);
	if (n >= 10 * 1024 * 1024)
		return `${(n / 1024 / 1024).toFixed(2)} MB`;
	return `${(n / 1024).toFixed(2)} KB`;
}

// ApiError: a failed call, with the HTTP status, statusText and the
// server's message when it sent one.
export class ApiError extends Error {
	constructor(status, statusText, detail) {
		super(detail || statusText || `HTTP ${status}`);
		this.status = status;
		this.statusText = statusText;
		this.detail = detail;
	}
}

// detailOf(body): a readable message from an error body (a JSON string,
// {"detail": "..."}, {"detail": [{"msg": ...}]}, {"message": ...}).
function detailOf(body) {
	if (typeof body === 'string')
		return body;
	if (!body || typeof body !== 'object')
		return '';
	if (typeof body.detail === 'string')
		return body.detail;
	if (Array.isArray(body.detail))
		return body.detail.map((d) => {
			const loc = Array.isArray(d.loc) ? d.loc.filter((x) => x !== 'body').join('.') : '';
			return loc ? `${loc}: ${d.msg}` : d.msg;
		}).join('; ');
	if (typeof body.message === 'string')
		return body.message;
	if (typeof body.error === 'string')
		return body.error;
	return '';
}

// api(path, params, opts): call the JSON API.  params (object) becomes
// the query string, skipping empty values.  Resolves to the parsed body
// (null for 204/empty), rejects with ApiError.
export async function api(path, params, opts = {}) {
	const url = apiUrl(path, params);
	let res, text, body = null;

	try {
		res = await fetch(url, {
			method: opts.method || 'GET',
			headers: opts.body !== undefined ?
				{ 'Content-Type': 'application/json', Accept: 'application/json' } :
				{ Accept: 'application/json' },
			body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
			credentials: 'same-origin',
			signal: opts.signal,
		});
	} catch (e) {
		if (e.name === 'AbortError')
			throw e;
		throw new ApiError(0, 'Network error', 'cannot reach the server');
	}
	text = await res.text();
	if (text) {
		try {
			body = JSON.parse(text);
		} catch (e) {
			body = text;
		}
	}
	if (!res.ok)
		throw new ApiError(res.status, res.statusText || `HTTP ${res.status}`,
			detailOf(body) || (typeof body === 'string' ? body.slice(0, 200) : ''));
	return body;
}

// apiUrl(path, params): the URL of an API call, empty params left out.
export function apiUrl(path, params) {
	const qs = new URLSearchParams();

	for (const [k, v] of Object.entries(params || {})) {
		if (v === undefined || v === null || v === '')
			continue;
		if (Array.isArray(v))
			v.forEach((x) => qs.append(k, x));
		else
			qs.append(k, String(v));
	}
	const q = qs.toString();
	return `${API}${path}${q ? '?' + q : ''}`;
}

// errText(e): "Not Found (no such service)" from an ApiError.
export function errText(e) {
	if (!(e instanceof ApiError))
		return String(e && e.message || e);
	if (e.status === 0)
		return `${e.statusText}: ${e.detail}`;
	if (e.detail && e.detail !== e.statusText)
		return `${e.statusText} (${e.status}): ${e.detail}`;
	return `${e.statusText} (${e.status})`;
}

// readQuery(): the page's query string as a plain object.
export function readQuery() {
	return Object.fromEntries(new URLSearchParams(location.search));
}

// writeQuery(obj, push): mirror state into the URL without reloading.
// Empty values are left out, so a shared link stays short.
export function writeQuery(obj, push = false) {
	const qs = new URLSearchParams();

	for (const [k, v] of Object.entries(obj)) {
		if (v !== undefined && v !== null && v !== '')
			qs.set(k, String(v));
	}
	const q = qs.toString();
	const url = `${location.pathname}${q ? '?' + q : ''}${location.hash}`;
	if (url === `${location.pathname}${location.search}${location.hash}`)
		return;
	if (push)
		history.pushState(null, '', url);
	else
		history.replaceState(null, '', url);
}

// message(container, kind, text): show a dismissable message; kind is
// "ok", "error" or "info".  Returns the element.
export function message(container, kind, text) {
	const el = h('div', { class: `msg ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
		h('p', {}, text),
		h('button', {
			type: 'button', class: 'small', 'aria-label': 'Dismiss message',
			onclick: () => el.remove(),
		}, '×'));
	container.appendChild(el);
	return el;
}
