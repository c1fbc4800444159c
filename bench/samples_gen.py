#!/usr/bin/env python3
"""samples_gen.py - synthetic but realistic profiles for the sample store bench.

A service's stacks come from a "universe": K distinct stacks, each 30 to 60
frames deep, mixing what the agent writes for a JVM, a CPython and a native
process: native thread start frames, then Java (`pkg/Class.method_[j]`) or
Python (`func (path.py)_[p]`) frames, then libc and kernel frames
(`sys_read_[k]`).  Frames are drawn level by level from per-level pools with
a Zipf preference, so stacks share prefixes the way real call trees do.
Stack popularity is Zipf-like (weight of the r-th stack ~ 1 / r^s).

    samples_gen.py universe [--stacks K] [--seed S] [--zipf S] > U
        the universe as a collapsed file: a "# {header}" line, then one
        "idx;container;comm;frames... weight" line per stack (the weight
        is the stack's Zipf weight, scaled to integers)
    samples_gen.py profile --universe U [--lines N] [--host H] [--seed S]
        one agent profile: header + N stack lines drawn from U by weight
        (without repetition), counts ~ weight, as the agent writes them
    samples_gen.py files --universe U --hosts N --minutes M --lines L
            --start 2026-03-11T10:00:00 --out DIR
        N x M gzipped profiles named like the upload endpoint names them
        (<start>_<hex id>_<md5 of host>.gz), one per host per minute

bench/samples-bare (bench/samples_bare.c) reads the same universe and draws
profiles from it in C when loading days of data straight into the store.
"""
import argparse
import bisect
import datetime
import gzip
import hashlib
import json
import os
import random
import sys

WORDS = ("order payment cart checkout invoice ledger account session user token "
         "cache index query result stream buffer batch event message queue topic "
         "shard region price stock item catalog search rank score model feature "
         "request response handler client server pool worker task job schedule "
         "config metric trace span report export import parse render encode decode").split()
JAVA_PKG = ["com/acme/%s" % w for w in ("checkout", "billing", "catalog", "search",
                                          "inventory", "gateway", "auth", "ledger")]
JAVA_LIB = ["org/springframework/web/servlet", "org/springframework/aop/framework",
            "org/apache/catalina/core", "org/apache/tomcat/util/net", "io/netty/channel",
            "com/fasterxml/jackson/databind/ser", "org/hibernate/internal",
            "java/util/concurrent", "java/lang/reflect", "jdk/internal/reflect",
            "com/zaxxer/hikari/pool", "org/postgresql/core/v3"]
PY_MOD = ["/app/%s/%s.py" % (a, b) for a in ("api", "core", "models", "jobs")
          for b in ("views", "handlers", "service", "repository", "tasks", "utils")]
PY_LIB = ["/usr/local/lib/python3.11/site-packages/%s" % p for p in (
    "django/core/handlers/base.py", "django/db/models/query.py", "gunicorn/workers/sync.py",
    "sqlalchemy/orm/session.py", "psycopg2/extras.py", "requests/sessions.py",
    "urllib3/connectionpool.py", "json/decoder.py", "celery/app/trace.py")]
NATIVE = ["JavaCalls::call_helper(JavaValue*, methodHandle const&, JavaCallArguments*, JavaThread*)",
          "_PyEval_EvalFrameDefault", "PyObject_Call", "_PyFunction_Vectorcall",
          "method_vectorcall_O", "malloc", "free",
          "memcpy", "__memmove_avx_unaligned_erms", "pthread_cond_timedwait@@GLIBC_2.3.2",
          "__pthread_mutex_lock", "epoll_wait", "__GI___libc_read", "__libc_send", "recv",
          "deflate", "inflate", "SSL_read", "SSL_write", "EVP_DecryptUpdate", "sha256_block_data_order_avx2"]
KERNEL = ["entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_read", "ksys_read",
          "vfs_read", "sock_read_iter", "tcp_recvmsg", "tcp_sendmsg", "__x64_sys_futex",
          "do_futex", "futex_wait", "schedule", "__schedule", "finish_task_switch.isra.0",
          "__x64_sys_epoll_wait", "do_epoll_wait", "ep_poll", "asm_exc_page_fault",
          "exc_page_fault", "do_user_addr_fault", "handle_mm_fault", "__handle_mm_fault",
          "copy_user_enhanced_fast_string", "_raw_spin_unlock_irqrestore", "ip_finish_output2",
          "__dev_queue_xmit", "net_rx_action", "__do_softirq"]
CONTAINERS = ["k8s_app_checkout-7d9f8b6c5d-x2x9z_shop_%s_0" % ("a1b2c3d4-e5f6-4711-8899-aabbccddeeff"),
              "k8s_sidecar_checkout-7d9f8b6c5d-x2x9z_shop_a1b2c3d4-e5f6-4711-8899-aabbccddeeff_0",
              "ecs-search-12-indexer-f2b4c6d8e0a1b3c5d7e9", ""]


def camel(rng, n):
    return "".join(rng.choice(WORDS).capitalize() for _ in range(n))


def zipf_pick(rng, pool, s=1.1):
    """An element of pool, the first ones much more often (Zipf-like)."""
    # inverse-CDF on a continuous power law: cheap and good enough
    u = rng.random()
    i = int(len(pool) * (u ** (1.0 + 2.0 * s)))
    return pool[min(i, len(pool) - 1)]


def native_frame(rng, level):
    ns = rng.choice(("Envoy", "ngx", "pg", "absl", "grpc"))
    if ns == "ngx":
        return "ngx_%s_%s_%s" % (rng.choice(WORDS), rng.choice(WORDS), rng.choice(("handler", "process", "init")))
    if ns == "pg":
        return rng.choice(("Exec", "Read", "Hash", "Heap", "Index")) + camel(rng, rng.randint(1, 2))
    return "%s::%s::%sImpl::on%s(%s&)" % (ns, camel(rng, 1), camel(rng, 2), camel(rng, 1),
                                         camel(rng, 1))


def java_frame(rng, level):
    if level < 4 or rng.random() < 0.35:
        base = rng.choice(JAVA_LIB)
    else:
        base = rng.choice(JAVA_PKG) + "/" + rng.choice(WORDS)
    cls = camel(rng, rng.randint(1, 3))
    if rng.random() < 0.1:
        cls += "$$SpringCGLIB$$0"
    meth = rng.choice(WORDS) + camel(rng, rng.randint(0, 2))
    return "%s/%s.%s_[j]" % (base, cls, meth)


def py_frame(rng, level):
    path = rng.choice(PY_LIB if level < 5 or rng.random() < 0.3 else PY_MOD)
    return "%s (%s)_[p]" % (rng.choice(WORDS) + "_" + rng.choice(WORDS), path)


class Pools:
    """Per-level frame pools, so that stacks share their upper frames."""

    def __init__(self, rng, kind, width):
        self.rng, self.kind, self.width, self.levels = rng, kind, width, {}

    def frame(self, level):
        pool = self.levels.get(level)
        if pool is None:
            mk = {"java": java_frame, "python": py_frame, "native": native_frame}[self.kind]
            # few choices near the root, many deeper down
            n = min(self.width, 2 + level * level)
            pool = [mk(self.rng, level) for _ in range(n)]
            self.levels[level] = pool
        return zipf_pick(self.rng, pool)


def make_stack(rng, pools):
    kind = rng.choices(("java", "python", "native"), (0.55, 0.35, 0.10))[0]
    depth = rng.randint(30, 60)
    if kind == "java":
        comm = "java"
        head = ["start_thread", "thread_native_entry(Thread*)", "Thread::call_run()",
                "JavaThread::thread_main_inner()", "java/lang/Thread.run_[j]"]
    elif kind == "python":
        comm = "python3"
        head = ["__libc_start_main", "Py_BytesMain", "Py_RunMain", "_PyEval_EvalFrameDefault",
                "<module> (/app/main.py)_[p]"]
    else:
        comm = rng.choice(("envoy", "nginx", "postgres"))
        head = ["__libc_start_main", "main"]
    tail_n = rng.randint(2, 8)
    frames = list(head)
    mid = depth - len(head) - tail_n
    for lv in range(max(mid, 0)):
        frames.append(pools[kind].frame(lv))
    # the leaf: libc then the kernel (or user-space only)
    if rng.random() < 0.6:
        frames.extend(zipf_pick(rng, NATIVE) for _ in range(min(2, tail_n)))
        frames.extend(zipf_pick(rng, KERNEL) + "_[k]" for _ in range(tail_n - min(2, tail_n)))
    else:
        frames.extend(zipf_pick(rng, NATIVE) for _ in range(tail_n))
    return comm, frames[:depth]


def header(host, continuous=True):
    meta = {"hostname": host, "agent_version": "1.35.0", "run_mode": "container",
            "processors": 4, "cloud_info": {"instance_type": "m5.xlarge"},
            "run_arguments": {"duration": 60, "frequency": 11, "profiling_mode": "cpu",
                              "continuous": continuous, "profile_api_version": None,
                              "service_name": "checkout"}}
    return {"containers": CONTAINERS[:3], "container_names_enabled": True, "metadata": meta,
            "metrics": {"cpu_avg": 23.5, "mem_avg": 41.0},
            "application_metadata": [None], "application_metadata_enabled": True,
            "profiling_mode": "cpu", "hwmetrics": None, "htmlblob": None,
            "flamegraph_html": None}


def cmd_universe(a):
    rng = random.Random(a.seed)
    pools = {"java": Pools(rng, "java", 400), "python": Pools(rng, "python", 300),
             "native": Pools(rng, "native", 200)}
    seen = set()
    out = sys.stdout
    out.write("# " + json.dumps(header("universe")) + "\n")
    r = 0
    while r < a.stacks:
        comm, frames = make_stack(rng, pools)
        cont = CONTAINERS[0] if comm == "java" else rng.choice(CONTAINERS)
        line = "0;%s;%s;%s" % (cont, comm, ";".join(frames))
        if line in seen:
            continue
        seen.add(line)
        r += 1
        w = max(1, int(1e6 / (r ** a.zipf)))
        out.write("%s %d\n" % (line, w))


def read_universe(path):
    lines, cum, tot = [], [], 0
    with open(path, encoding="utf-8") as f:
        for ln in f:
            if ln.startswith("#") or not ln.strip():
                continue
            text, w = ln.rstrip("\n").rsplit(" ", 1)
            tot += int(w)
            lines.append(text)
            cum.append(tot)
    return lines, cum


def draw(rng, uni, n):
    """n distinct stack lines by weight, with counts (1 + a share of the weight)."""
    lines, cum = uni
    n = min(n, len(lines))
    got = {}
    tries = 0
    while len(got) < n and tries < n * 50:
        tries += 1
        i = bisect.bisect_left(cum, rng.random() * cum[-1])
        got[i] = got.get(i, 0) + 1
    if len(got) < n:	# the tail: fill in order
        for i in range(len(lines)):
            if len(got) >= n:
                break
            got.setdefault(i, 1)
    return [(lines[i], c) for i, c in got.items()]


def profile_text(rng, uni, host, nlines):
    out = ["# " + json.dumps(header(host))]
    for text, c in draw(rng, uni, nlines):
        out.append("%s %d" % (text, c))
    return "\n".join(out) + "\n"


def cmd_profile(a):
    rng = random.Random(a.seed)
    sys.stdout.write(profile_text(rng, read_universe(a.universe), a.host, a.lines))


def cmd_files(a):
    uni = read_universe(a.universe)
    rng = random.Random(a.seed)
    t0 = datetime.datetime.fromisoformat(a.start)
    os.makedirs(a.out, exist_ok=True)
    n = 0
    for m in range(a.minutes):
        ts = (t0 + datetime.timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%S")
        for h in range(a.hosts):
            host = "ip-10-%d-%d-%d" % (h // 65536 % 256, h // 256 % 256, h % 256)
            name = "%s_%032x_%s.gz" % (ts, n, hashlib.md5(host.encode()).hexdigest())
            with gzip.open(os.path.join(a.out, name), "wt", compresslevel=1) as f:
                f.write(profile_text(rng, uni, host, a.lines))
            n += 1
    print(n)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("universe")
    u.add_argument("--stacks", type=int, default=20000)
    u.add_argument("--seed", type=int, default=14)
    u.add_argument("--zipf", type=float, default=1.0)
    pr = sub.add_parser("profile")
    pr.add_argument("--universe", required=True)
    pr.add_argument("--lines", type=int, default=5000)
    pr.add_argument("--host", default="ip-10-0-1-5")
    pr.add_argument("--seed", type=int, default=1)
    fl = sub.add_parser("files")
    fl.add_argument("--universe", required=True)
    fl.add_argument("--hosts", type=int, default=1000)
    fl.add_argument("--minutes", type=int, default=1)
    fl.add_argument("--lines", type=int, default=300)
    fl.add_argument("--start", default="2026-03-11T10:00:00")
    fl.add_argument("--seed", type=int, default=1)
    fl.add_argument("--out", required=True)
    a = p.parse_args()
    {"universe": cmd_universe, "profile": cmd_profile, "files": cmd_files}[a.cmd](a)


if __name__ == "__main__":
    main()
