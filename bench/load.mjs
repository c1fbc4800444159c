#!/usr/bin/env node
// bench/load.mjs - agent-shaped bodies and load for bench/run and bench/soak.sh.
//
//   node bench/load.mjs body --host H --kind adhoc|continuous [--start ISO]
//        [--html-kib K] --out FILE
//     write one gzip AgentData body (what POST /api/v2/profiles carries,
//     as scripts/sample-agent.mjs builds it) to FILE
//
//   node bench/load.mjs soak --server URL --key KEY --service SVC
//        --rate R --duration S --out FILE [--hb-hosts N] [--hb-interval S]
//     upload R profiles a second (every third one continuous, the rest ad
//     hoc; each with a host name of its own, so every upload can be traced
//     to its object and row), while N hosts heartbeat every S seconds,
//     for S seconds or until SIGTERM.  One line per request goes to FILE:
//       up <seq> <kind> <host> <status> <ms>     status 0 = network error
//       hb <host> <status> <ms>
//     and a summary line to stdout at the end.
//
//   node bench/load.mjs burst --server URL --key KEY --service SVC
//        --body FILE --count M [--concurrency C]
//     upload the gzip body FILE M times, C at a time (default 4); prints
//     "<accepted> <seconds> <unix time of the first request, fractional>"
//
// Only loopback URLs are used by the callers; requests time out after 20 s.

import { gzipSync } from 'node:zlib';
import { openSync, writeSync, closeSync, writeFileSync, readFileSync } from 'node:fs';

function args(argv) {
  const o = { hbHosts: 4, hbInterval: 1, htmlKib: 8, rate: 2, duration: 60 };
  o.mode = argv[2];
  for (let i = 3; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[++i];
    if (v === undefined) throw new Error(`${k} needs a value`);
    switch (k) {
      case '--host': o.host = v; break;
      case '--kind': o.kind = v; break;
      case '--start': o.start = v; break;
      case '--html-kib': o.htmlKib = Number(v); break;
      case '--out': o.out = v; break;
      case '--server': o.server = v.replace(/\/$/, ''); break;
      case '--key': o.key = v; break;
      case '--service': o.service = v; break;
      case '--rate': o.rate = Number(v); break;
      case '--duration': o.duration = Number(v); break;
      case '--hb-hosts': o.hbHosts = Number(v); break;
      case '--hb-interval': o.hbInterval = Number(v); break;
      case '--body': o.body = v; break;
      case '--count': o.count = Number(v); break;
      case '--concurrency': o.concurrency = Number(v); break;
      default: throw new Error(`unknown option ${k}`);
    }
  }
  return o;
}

const isoNaive = (d) => d.toISOString().replace(/\.\d{3}Z$/, '');

// A flamegraph-like HTML page of about kib KiB naming the host.
function html(host, kib) {
  const rows = [];
  let size = 0;
  for (let i = 0; size < kib * 1024; i++) {
    const r = `<div class="f" style="width:${(i * 37) % 100}%">frame_${i} (${host})</div>`;
    rows.push(r);
    size += r.length + 1;
  }
  return `<!doctype html><html><head><title>${host}</title></head><body>\n${rows.join('\n')}\n</body></html>\n`;
}

// The gzip AgentData body of one upload.
function body(host, kind, start, kib, service) {
  const continuous = kind === 'continuous';
  const end = new Date(start.getTime() + 60000);
  const header = {
    containers: [],
    container_names_enabled: false,
    metadata: {
      hostname: host, agent_version: '1.53.1', spawn_time: isoNaive(start),
      current_time: isoNaive(end), cloud_provider: 'unknown', private_ip: '10.0.0.1',
      run_mode: 'local_daemon', profiling_mode: 'cpu',
      run_arguments: {
        continuous, duration: 60, frequency: 11, profiling_mode: 'cpu',
        flamegraph: !continuous, perf_mode: 'fp', perf_events: 'cycles',
        service_name: service || 'bench',
      },
    },
    metrics: { cpu_avg: 12.5, mem_avg: 41.0 },
    application_metadata: [null],
    application_metadata_enabled: true,
    profiling_mode: 'cpu',
    flamegraph_html: continuous ? null : html(host, kib),
  };
  const stacks = [];
  for (let i = 0; i < 200; i++) stacks.push(`0;;python3;main;f${i % 17};g${i} ${1 + (i % 13)}`);
  const agent = {
    start_time: isoNaive(start), end_time: isoNaive(end), hostname: host,
    profile: `# ${JSON.stringify(header)}\n${stacks.join('\n')}`,
    cpu_avg: 12.5, mem_avg: 41.0, spawn_time: isoNaive(start), gpid: '',
  };
  return gzipSync(Buffer.from(JSON.stringify(agent)));
}

async function request(url, init) {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(20000) });
    await res.arrayBuffer();
    return [res.status, performance.now() - t0];
  } catch {
    return [0, performance.now() - t0];
  }
}

async function soak(o) {
  const fd = openSync(o.out, 'a');
  const line = (s) => writeSync(fd, `${s}\n`);
  const counts = { up: 0, up200: 0, hb: 0, hb200: 0 };
  const pending = new Set();
  let stop = false;
  let seq = 0;
  process.on('SIGTERM', () => { stop = true; });
  const t0 = Date.now();
  const deadline = t0 + o.duration * 1000;
  const start = new Date(Date.UTC(2026, 0, 1));
  const track = (p) => { pending.add(p); p.finally(() => pending.delete(p)); };

  const upload = async (n) => {
    const kind = n % 3 === 2 ? 'continuous' : 'adhoc';
    const host = `soak-${kind[0]}-${n}`;
    const b = body(host, kind, new Date(start.getTime() + n * 1000), o.htmlKib, o.service);
    const q = new URLSearchParams({ key: o.key, service: o.service, hostname: host });
    const [st, ms] = await request(`${o.server}/api/v2/profiles?${q}`, {
      method: 'POST',
      headers: {
        'GPROFILER-API-KEY': o.key, 'GPROFILER-SERVICE-NAME': o.service,
        'Content-Encoding': 'gzip', 'Content-Type': 'application/json',
      },
      body: b,
    });
    counts.up++;
    if (st === 200) counts.up200++;
    line(`up ${n} ${kind} ${host} ${st} ${ms.toFixed(1)}`);
  };
  const heartbeat = async (h) => {
    const host = `soak-hb-${h}`;
    const [st, ms] = await request(`${o.server}/api/metrics/heartbeat`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${o.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        ip_address: `10.9.0.${h + 1}`, hostname: host, service_name: o.service,
        last_command_id: null, status: 'active',
        timestamp: new Date().toISOString().replace('Z', ''),
        received_command_ids: [], executed_command_ids: [],
      }),
    });
    counts.hb++;
    if (st === 200) counts.hb200++;
    line(`hb ${host} ${st} ${ms.toFixed(1)}`);
  };

  let nextUp = t0;
  let nextHb = t0;
  while (!stop && Date.now() < deadline) {
    const now = Date.now();
    if (now >= nextUp) {
      // bounded: at most 16 requests in flight, the rest of the slot is skipped
      if (pending.size < 16) track(upload(seq++));
      nextUp += 1000 / o.rate;
    }
    if (now >= nextHb) {
      for (let h = 0; h < o.hbHosts; h++) track(heartbeat(h));
      nextHb += o.hbInterval * 1000;
    }
    await new Promise((r) => setTimeout(r, Math.max(1, Math.min(nextUp, nextHb) - Date.now())));
  }
  await Promise.allSettled([...pending]);
  closeSync(fd);
  console.log(`uploads ${counts.up} accepted ${counts.up200} heartbeats ${counts.hb} ok ${counts.hb200}`);
}

async function burst(o) {
  const b = readFileSync(o.body);
  const headers = {
    'GPROFILER-API-KEY': o.key, 'GPROFILER-SERVICE-NAME': o.service,
    'Content-Encoding': 'gzip', 'Content-Type': 'application/json',
  };
  let next = 0;
  let ok = 0;
  const started = Date.now() / 1000;
  const t0 = performance.now();
  const lane = async () => {
    while (next < o.count) {
      next++;
      const [st] = await request(`${o.server}/api/v2/profiles`, { method: 'POST', headers, body: b });
      if (st === 200) ok++;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency || 4 }, lane));
  console.log(`${ok} ${((performance.now() - t0) / 1000).toFixed(4)} ${started.toFixed(3)}`);
}

const o = args(process.argv);
if (o.mode === 'body') {
  const start = o.start ? new Date(`${o.start.replace(/Z$/, '')}Z`) : new Date();
  writeFileSync(o.out, body(o.host, o.kind || 'adhoc', start, o.htmlKib, o.service));
} else if (o.mode === 'soak') {
  await soak(o);
} else if (o.mode === 'burst') {
  await burst(o);
} else {
  console.error('usage: load.mjs body|soak ... (see the top of the file)');
  process.exit(2);
}
