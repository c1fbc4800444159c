#!/usr/bin/env node
// sample-agent.mjs - a stand-in for a gProfiler agent, speaking its wire format.
//
// It sends heartbeats the way a real agent does (POST /api/metrics/heartbeat
// with Authorization: Bearer), obeys the commands the control loop hands back
// (start: report completion when the profiler starts; ad hoc: "profile" for
// the duration asked and upload one profile; continuous: upload a profile
// every window of the duration asked, 60 s, until a stop or another start;
// stop: acknowledge), and uploads profiles as gzip JSON to /api/v2/profiles
// with the GPROFILER-API-KEY and GPROFILER-SERVICE-NAME headers: a
// "# {header}" line, then collapsed stack lines.  Ad hoc runs carry a
// self-contained flamegraph HTML in the header's "flamegraph_html", as real
// agents do; continuous ones only the stacks.
//
//   node scripts/sample-agent.mjs --server URL --key KEY --service SVC --host H [options]
//     --ip A.B.C.D         address reported in heartbeats (default 10.0.0.1)
//     --interval S         heartbeat interval in seconds (default 5)
//     --max-duration S     cap on how long a "profiling run" (or a continuous
//                          window) lasts (default: as asked)
//     --upload adhoc|continuous   upload one profile now and exit (no heartbeats)
//     --start ISO          start time for --upload (default: now)
//     --heartbeat-once     send one heartbeat, print the answer, exit
//     --runs N             exit after N executed start commands (default: run forever)
//     --seed N             vary the generated stacks

import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const AGENT_VERSION = '1.53.1';

function parseArgs(argv) {
  const o = { ip: '10.0.0.1', interval: 5, seed: 1 };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--server': o.server = v().replace(/\/$/, ''); break;
      case '--key': o.key = v(); break;
      case '--service': o.service = v(); break;
      case '--host': o.host = v(); break;
      case '--ip': o.ip = v(); break;
      case '--interval': o.interval = Number(v()); break;
      case '--max-duration': o.maxDuration = Number(v()); break;
      case '--upload': o.upload = v(); break;
      case '--start': o.start = v(); break;
      case '--heartbeat-once': o.heartbeatOnce = true; break;
      case '--runs': o.runs = Number(v()); break;
      case '--seed': o.seed = Number(v()); break;
      case '-h': case '--help':
        console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
        process.exit(0);
        break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  for (const k of ['server', 'key', 'service', 'host']) {
    if (!o[k]) throw new Error(`--${k} is required`);
  }
  if (o.upload && !['adhoc', 'continuous'].includes(o.upload)) {
    throw new Error('--upload takes adhoc or continuous');
  }
  return o;
}

const log = (...a) => console.error(new Date().toISOString(), 'sample-agent', ...a);

// Python's isoformat() of a naive UTC time without microseconds.
function isoNaive(d) {
  return d.toISOString().replace(/\.\d{3}Z$/, '');
}

// A small deterministic PRNG so --seed gives repeatable stacks.
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

const APPS = {
  python: ['python3', '_PyEval_EvalFrameDefault', 'main (app.py)', 'serve (server.py)',
    'handle_request (server.py)', 'render (views.py)', 'query (db.py)', 'json.dumps',
    'encode (json/encoder.py)', 'socket.recv', 'cache_get (cache.py)', 'compress (zlib)'],
  java: ['java', 'Thread.run', 'Executor.runWorker', 'HttpHandler.handle', 'Router.dispatch',
    'OrderService.checkout', 'PaymentClient.charge', 'Jackson.serialize', 'HashMap.get',
    'String.format', 'GC.collect', 'Netty.read'],
  native: ['nginx', 'ngx_worker_process_cycle', 'ngx_process_events_and_timers',
    'ngx_epoll_process_events', 'ngx_http_request_handler', 'ngx_http_ssl_handshake',
    'SSL_do_handshake', 'EVP_DigestUpdate', 'memcpy', '[kernel] tcp_sendmsg',
    '[kernel] copy_user_enhanced', 'gzip_deflate'],
};

// Collapsed stacks ("frame;frame;frame count") for one profiling run.
function makeStacks(seed) {
  const r = rng(seed);
  const stacks = new Map();
  for (const [app, frames] of Object.entries(APPS)) {
    const n = 25 + Math.floor(r() * 25);
    for (let i = 0; i < n; i++) {
      const depth = 3 + Math.floor(r() * 6);
      const path = frames.slice(0, 2);
      for (let d = 2; d < depth; d++) path.push(frames[2 + Math.floor(r() * (frames.length - 2))]);
      const key = path.join(';');
      stacks.set(key, (stacks.get(key) || 0) + 1 + Math.floor(r() * (app === 'python' ? 60 : 30)));
    }
  }
  return stacks;
}

// d3-flame-graph style tree {name, value, children} from collapsed stacks.
function toTree(stacks) {
  const root = { name: 'all', value: 0, children: [] };
  for (const [key, count] of stacks) {
    let node = root;
    root.value += count;
    for (const f of key.split(';')) {
      let child = node.children.find((c) => c.name === f);
      if (!child) { child = { name: f, value: 0, children: [] }; node.children.push(child); }
      child.value += count;
      node = child;
    }
  }
  return root;
}

function flamegraphHtml(tree, start, end) {
  const tpl = readFileSync(join(here, 'data', 'flamegraph-template.html'), 'utf8');
  // "</" must not close the script element the JSON sits in.
  const json = JSON.stringify(tree).replace(/<\//g, '<\\/');
  return tpl.replaceAll('{{{JSON_DATA}}}', json)
    .replaceAll('{{{START_TIME}}}', start).replaceAll('{{{END_TIME}}}', end);
}

// The body of POST /api/v2/profiles, before gzip.
function makeProfile(o, { continuous, duration, frequency, perfEvents, start, seed }) {
  const end = new Date(start.getTime() + duration * 1000);
  const stacks = makeStacks(seed);
  const header = {
    containers: [],
    container_names_enabled: false,
    metadata: {
      hostname: o.host,
      agent_version: AGENT_VERSION,
      spawn_time: isoNaive(start),
      current_time: isoNaive(end),
      cloud_provider: 'unknown',
      cloud_info: { instance_type: 'm5.xlarge' },
      private_ip: o.ip,
      run_mode: 'local_daemon',
      profiling_mode: 'cpu',
      run_arguments: {
        continuous, duration, frequency, profiling_mode: 'cpu',
        flamegraph: !continuous, perf_mode: 'fp', perf_events: perfEvents,
        profile_api_version: null, service_name: o.service, server_token: '<redacted>',
      },
    },
    metrics: { cpu_avg: 12.5, mem_avg: 41.0 },
    application_metadata: [null],
    application_metadata_enabled: true,
    profiling_mode: 'cpu',
    hwmetrics: null,
    htmlblob: null,
    flamegraph_html: continuous ? null
      : flamegraphHtml(toTree(stacks), isoNaive(start), isoNaive(end)),
  };
  const lines = [...stacks].map(([k, v]) => `0;;${k} ${v}`);
  return {
    start_time: isoNaive(start),
    end_time: isoNaive(end),
    hostname: o.host,
    profile: `# ${JSON.stringify(header)}\n${lines.join('\n')}`,
    cpu_avg: 12.5,
    mem_avg: 41.0,
    spawn_time: isoNaive(start),
    gpid: '',
  };
}

async function upload(o, run) {
  const body = gzipSync(Buffer.from(JSON.stringify(makeProfile(o, run))));
  const q = new URLSearchParams({
    key: o.key, service: o.service, hostname: o.host,
    timestamp: isoNaive(new Date()), version: AGENT_VERSION,
  });
  const res = await fetch(`${o.server}/api/v2/profiles?${q}`, {
    method: 'POST',
    headers: {
      'GPROFILER-API-KEY': o.key,
      'GPROFILER-SERVICE-NAME': o.service,
      'Content-Encoding': 'gzip',
      'Content-type': 'application/json',
    },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`upload failed: ${res.status} ${text}`);
  log(`uploaded ${run.continuous ? 'continuous' : 'adhoc'} profile (${body.length} bytes gzip): ${text}`);
  return JSON.parse(text);
}

async function postJson(o, path, payload) {
  const res = await fetch(`${o.server}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${o.key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));

async function loop(o) {
  const received = new Set();
  const executed = new Set();
  let lastCommand = null;
  let runs = 0;
  let continuous = null;	// {cfg, start, window}: the running continuous profiler
  for (;;) {
    // A continuous profiler uploads each window as it ends.
    if (continuous && Date.now() - continuous.start.getTime() >= continuous.window * 1000) {
      const c = continuous;
      const start = c.start;
      c.start = new Date();
      await upload(o, {
        continuous: true, duration: Math.round((c.start - start) / 1000), frequency: Number(c.cfg.frequency) || 11,
        perfEvents: 'cycles', start, seed: o.seed + runs++,
      }).catch((e) => log(e.message));
    }
    let answer;
    try {
      answer = await postJson(o, '/api/metrics/heartbeat', {
        ip_address: o.ip, hostname: o.host, service_name: o.service,
        last_command_id: lastCommand, status: 'active',
        timestamp: new Date().toISOString().replace('Z', ''),
        received_command_ids: [...received], executed_command_ids: [...executed],
      });
    } catch (e) {
      log(`heartbeat: ${e.message}`);
      await sleep(o.interval);
      continue;
    }
    if (o.heartbeatOnce) { console.log(JSON.stringify(answer)); return; }
    const id = answer.command_id;
    const cmd = answer.profiling_command;
    if (id && cmd && !received.has(id)) {
      received.add(id);
      lastCommand = id;
      const cfg = cmd.combined_config || {};
      log(`command ${id}: ${cmd.command_type} ${JSON.stringify(cfg)}`);
      executed.add(id);
      // A new command replaces the running continuous profiler.
      continuous = null;
      if (cmd.command_type === 'start') {
        // Real agents report completion when the profiler starts.
        await postJson(o, '/api/metrics/command_completion', {
          command_id: id, hostname: o.host, status: 'completed', execution_time: 0,
        }).catch((e) => log(`command_completion: ${e.message}`));
        const duration = Number(cfg.duration) || 60;
        if (cfg.continuous) {
          const window = o.maxDuration ? Math.min(o.maxDuration, duration) : duration;
          continuous = { cfg, start: new Date(), window };
          log(`continuous profiling: a profile every ${window} s until stopped`);
          await sleep(Math.min(o.interval, window));
          continue;
        }
        const wait = o.maxDuration ? Math.min(o.maxDuration, duration) : duration;
        const start = new Date();
        await sleep(wait);
        const perf = cfg.profiler_configs && cfg.profiler_configs.perf;
        const perfEvents = perf && typeof perf === 'object' && Array.isArray(perf.events)
          ? perf.events.join(',') : 'cycles';
        await upload(o, {
          // report the time actually "profiled" (--max-duration may cut it)
          continuous: false, duration: wait, frequency: Number(cfg.frequency) || 11,
          perfEvents, start, seed: o.seed + runs,
        }).catch((e) => log(e.message));
        runs++;
        if (o.runs && runs >= o.runs) return;
        continue;
      }
      await postJson(o, '/api/metrics/command_completion', {
        command_id: id, hostname: o.host, status: 'completed', execution_time: 0,
      }).catch((e) => log(`command_completion: ${e.message}`));
    }
    await sleep(continuous ? Math.min(o.interval, continuous.window) : o.interval);
  }
}

async function main() {
  const o = parseArgs(process.argv);
  if (o.upload) {
    const start = o.start ? new Date(o.start.endsWith('Z') ? o.start : `${o.start}Z`) : new Date();
    const answer = await upload(o, {
      continuous: o.upload === 'continuous', duration: 60, frequency: 11,
      perfEvents: 'cycles,cache-misses', start, seed: o.seed,
    });
    console.log(JSON.stringify(answer));
    return;
  }
  process.on('SIGTERM', () => process.exit(0));
  await loop(o);
}

main().catch((e) => { log(e.message); process.exit(1); });
