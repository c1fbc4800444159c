// sigv4-proxy.mjs - a reverse proxy that checks AWS Signature V4 like AWS.
//
//   node sigv4-proxy.mjs LISTEN_PORT UPSTREAM_PORT KEY:SECRET
//
// Every request's signature is recomputed with the AWS SDK's own signer
// (@smithy/signature-v4) from the signed headers, the raw path, the query
// and the x-amz-date the client sent.  A bad request gets a 403 shaped like
// the real service's (S3 XML, or SQS JSON when X-Amz-Target is present);
// a good one is forwarded unchanged to 127.0.0.1:UPSTREAM_PORT.  For S3 the
// x-amz-content-sha256 header is required and must match the body.
//
// Control endpoints (never signed, never forwarded):
//   POST /__fault {"mode":"500"|"503"|"slowdown"|"throttle"|"drop"|"delay"|"off",
//                  "count":N, "ms":M}
//        the next N signed requests fail that way ("delay" waits M ms,
//        then forwards; "drop" resets the connection); count -1 = forever.
//   GET  /__stats  {"requests":..,"forwarded":..,"denied":..,"faults":..,
//                   "connections":.. (TCP connections accepted, control
//                   ones included), "last_deny":"reason","methods":{...}}
//   POST /__reset  zero the counters and clear the fault.
//
// One line per request goes to stdout: "ok|deny|fault METHOD PATH reason".
import http from 'node:http';
import crypto from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';

const [listenPort, upstreamPort, creds] = process.argv.slice(2);
if (!listenPort || !upstreamPort || !creds || !creds.includes(':')) {
	console.error('usage: sigv4-proxy.mjs LISTEN_PORT UPSTREAM_PORT KEY:SECRET');
	process.exit(2);
}
const accessKeyId = creds.slice(0, creds.indexOf(':'));
const secretAccessKey = creds.slice(creds.indexOf(':') + 1);
const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const MAX_SKEW_MS = 15 * 60 * 1000;

let fault = { mode: 'off', count: 0, ms: 0 };
let stats;
function resetStats() {
	stats = { requests: 0, forwarded: 0, denied: 0, faults: 0, connections: 0,
		last_deny: '', methods: {} };
}
resetStats();

// Parse a raw query string into {key: value} with RFC 3986 decoding
// ('+' stays a plus, as AWS does).
function parseQuery(raw) {
	const q = {};
	if (!raw)
		return q;
	for (const part of raw.split('&')) {
		if (part === '')
			continue;
		const eq = part.indexOf('=');
		const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
		const v = eq < 0 ? null : decodeURIComponent(part.slice(eq + 1));
		q[k] = v;
	}
	return q;
}

// Parse "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
function parseAuth(h) {
	const m = /^AWS4-HMAC-SHA256 (.*)$/.exec(h || '');
	if (!m)
		return null;
	const out = {};
	for (const kv of m[1].split(/,\s*/)) {
		const eq = kv.indexOf('=');
		if (eq > 0)
			out[kv.slice(0, eq).trim()] = kv.slice(eq + 1).trim();
	}
	if (!out.Credential || !out.SignedHeaders || !out.Signature)
		return null;
	const parts = out.Credential.split('/');
	if (parts.length !== 5 || parts[4] !== 'aws4_request')
		return null;
	return {
		key: parts[0], date: parts[1], region: parts[2], service: parts[3],
		signed: out.SignedHeaders.split(';'), signature: out.Signature,
	};
}

// "20261125T090000Z" -> Date, or null.
function parseAmzDate(s) {
	const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
	if (!m)
		return null;
	return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

function deny(req, res, status, code, message) {
	const json = 'x-amz-target' in req.headers;
	stats.denied++;
	stats.last_deny = code + ': ' + message;
	console.log(`deny ${req.method} ${req.url} ${code}: ${message}`);
	if (json) {
		const body = JSON.stringify({ __type: 'com.amazon.coral.service#' + code, message });
		res.writeHead(status, {
			'content-type': 'application/x-amz-json-1.0',
			'x-amzn-query-error': code + ';Sender',
			'content-length': Buffer.byteLength(body),
		});
		res.end(body);
	} else {
		const body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' + code +
			'</Code><Message>' + message.replace(/&/g, '&amp;').replace(/</g, '&lt;') +
			'</Message><RequestId>proxy</RequestId></Error>';
		res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
		res.end(req.method === 'HEAD' ? undefined : body);
	}
}

// Check the request; return null when it is good, else [status, code, message].
async function check(req, body) {
	const auth = parseAuth(req.headers.authorization);
	if (!auth)
		return [403, 'IncompleteSignature', 'missing or malformed Authorization header'];
	if (auth.key !== accessKeyId)
		return [403, auth.service === 's3' ? 'InvalidAccessKeyId' : 'UnrecognizedClientException',
			'unknown access key ' + auth.key];
	const date = parseAmzDate(req.headers['x-amz-date']);
	if (!date || req.headers['x-amz-date'].slice(0, 8) !== auth.date)
		return [403, 'IncompleteSignature', 'x-amz-date missing or not matching the credential scope'];
	if (Math.abs(Date.now() - date.getTime()) > MAX_SKEW_MS)
		return [403, 'RequestTimeTooSkewed', 'request time too skewed'];
	if (!auth.signed.includes('host') || !auth.signed.includes('x-amz-date'))
		return [403, 'IncompleteSignature', 'host and x-amz-date must be signed'];
	if (auth.service === 's3') {
		const h = req.headers['x-amz-content-sha256'];
		if (!h)
			return [400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256'];
		if (!auth.signed.includes('x-amz-content-sha256'))
			return [403, 'IncompleteSignature', 'x-amz-content-sha256 must be signed'];
		const got = crypto.createHash('sha256').update(body).digest('hex');
		if (h !== got)
			return [400, 'XAmzContentSHA256Mismatch',
				'The provided x-amz-content-sha256 header does not match what was computed'];
	}
	const headers = {};
	for (const name of auth.signed) {
		const v = req.headers[name];
		if (v === undefined)
			return [403, 'SignatureDoesNotMatch', 'signed header ' + name + ' missing'];
		headers[name] = Array.isArray(v) ? v.join(',') : String(v);
	}
	const q = req.url.indexOf('?');
	const path = q < 0 ? req.url : req.url.slice(0, q);
	let query;
	try {
		query = parseQuery(q < 0 ? '' : req.url.slice(q + 1));
	} catch (e) {
		return [403, 'SignatureDoesNotMatch', 'bad query encoding'];
	}
	const [hostname, port] = String(req.headers.host || '').split(':');
	const hr = new HttpRequest({
		method: req.method, protocol: 'http:', hostname, port: port ? +port : undefined,
		path, query, headers, body: body.length ? body : undefined,
	});
	const signer = new SignatureV4({
		credentials: { accessKeyId, secretAccessKey }, region: auth.region,
		service: auth.service, sha256: Sha256,
		uriEscapePath: auth.service !== 's3', applyChecksum: false,
	});
	const signed = await signer.sign(hr, {
		signingDate: date, signingRegion: auth.region, signingService: auth.service,
		signableHeaders: new Set(auth.signed),
	});
	const m = /Signature=([0-9a-f]+)/.exec(signed.headers.authorization);
	const sh = /SignedHeaders=([^,]+)/.exec(signed.headers.authorization);
	if (!m || sh[1] !== auth.signed.join(';'))
		return [403, 'SignatureDoesNotMatch', 'signed header list differs: ' + (sh && sh[1])];
	if (m[1] !== auth.signature)
		return [403, 'SignatureDoesNotMatch',
			'The request signature we calculated does not match the signature you provided. Check your key and signing method.'];
	return null;
}

function faultBody(req, code, message) {
	if ('x-amz-target' in req.headers)
		return ['application/x-amz-json-1.0', JSON.stringify({ __type: 'com.amazonaws.sqs#' + code, message })];
	return ['application/xml', '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' + code +
		'</Code><Message>' + message + '</Message></Error>'];
}

// Apply an armed fault; true when the request was answered (or dropped) here.
async function applyFault(req, res) {
	if (fault.mode === 'off' || fault.count === 0)
		return false;
	if (fault.count > 0)
		fault.count--;
	stats.faults++;
	console.log(`fault ${req.method} ${req.url} ${fault.mode}`);
	const codes = {
		'500': [500, 'InternalError', 'We encountered an internal error. Please try again.'],
		'503': [503, 'ServiceUnavailable', 'Service is unable to handle request.'],
		slowdown: [503, 'SlowDown', 'Please reduce your request rate.'],
		throttle: [429, 'ThrottlingException', 'Rate exceeded'],
	};
	if (fault.mode === 'drop') {
		req.socket.destroy();
		return true;
	}
	if (fault.mode === 'delay') {
		await new Promise((r) => setTimeout(r, fault.ms || 1000));
		return false;
	}
	const c = codes[fault.mode] || codes['500'];
	const [ct, body] = faultBody(req, c[1], c[2]);
	res.writeHead(c[0], { 'content-type': ct, 'content-length': Buffer.byteLength(body) });
	res.end(req.method === 'HEAD' ? undefined : body);
	return true;
}

function control(req, res, body) {
	let out = { ok: true };
	if (req.url === '/__fault' && req.method === 'POST') {
		const f = JSON.parse(body.toString() || '{}');
		fault = { mode: String(f.mode || 'off'), count: f.count === undefined ? 1 : +f.count, ms: +(f.ms || 0) };
		out = fault;
	} else if (req.url === '/__reset') {
		fault = { mode: 'off', count: 0, ms: 0 };
		resetStats();
	} else if (req.url === '/__stats') {
		out = stats;
	} else {
		res.writeHead(404);
		res.end();
		return;
	}
	const s = JSON.stringify(out);
	res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
	res.end(s);
}

function forward(req, res, body) {
	const up = http.request({
		host: '127.0.0.1', port: +upstreamPort, method: req.method, path: req.url,
		headers: req.headers,
	}, (ur) => {
		res.writeHead(ur.statusCode, ur.headers);
		ur.pipe(res);
	});
	up.on('error', (e) => {
		if (!res.headersSent) {
			res.writeHead(502, { 'content-type': 'text/plain' });
			res.end('upstream error: ' + e.message);
		} else {
			res.destroy();
		}
	});
	up.end(body);
}

const server = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', async () => {
		const body = Buffer.concat(chunks);
		try {
			if (req.url.startsWith('/__')) {
				control(req, res, body);
				return;
			}
			stats.requests++;
			stats.methods[req.method] = (stats.methods[req.method] || 0) + 1;
			const bad = await check(req, body);
			if (bad) {
				deny(req, res, bad[0], bad[1], bad[2]);
				return;
			}
			if (await applyFault(req, res))
				return;
			stats.forwarded++;
			console.log(`ok ${req.method} ${req.url}`);
			forward(req, res, body);
		} catch (e) {
			console.log(`error ${req.method} ${req.url} ${e.stack}`);
			if (!res.headersSent) {
				res.writeHead(500);
				res.end();
			}
		}
	});
});
server.on('connection', () => { stats.connections++; });
server.keepAliveTimeout = 30000;
server.listen(+listenPort, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
