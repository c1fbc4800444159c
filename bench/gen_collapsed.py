#!/usr/bin/env python3
"""gen_collapsed.py - a synthetic but realistic continuous profile.

Usage: gen_collapsed.py LINES [SEED] > profile.txt

Prints the agent's collapsed format without the header line:
"<container>;<comm>;frame;...;frame <count>", LINES distinct stacks,
30-60 frames deep, mixing Java (_[j]), Python (.py) and native/kernel
(_[k]) frames that share common roots, with Zipf-like counts.
"""
import random
import sys

n = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
pkgs = ["com/acme/orders", "org/apache/kafka/clients", "io/netty/channel",
        "java/util/concurrent", "org/springframework/web", "com/fasterxml/jackson"]
pymods = ["app/handlers.py", "app/models.py", "sqlalchemy/orm/query.py",
          "requests/sessions.py", "json/decoder.py", "gunicorn/workers/sync.py"]
native = ["__libc_recv", "epoll_wait", "do_syscall_64_[k]", "tcp_sendmsg_[k]",
          "memcpy_erms", "malloc", "pthread_cond_wait", "futex_wait_[k]"]


def java_frame():
    p = rng.choice(pkgs)
    return "L%s/%s%d.%s_[j]" % (p, rng.choice(["Service", "Handler", "Codec"]),
                                 rng.randrange(40), rng.choice(["run", "apply", "decode", "handle"]))


def py_frame():
    return "%s (%s)" % (rng.choice(["handle", "query", "get", "loads", "run"]) +
                        str(rng.randrange(30)), rng.choice(pymods))


def stack():
    kind = rng.random()
    depth = rng.randint(30, 60)
    if kind < 0.5:
        comm, mk = "java", java_frame
        base = ["java", "start_thread", "thread_native_entry", "JavaMain_[j]"]
    elif kind < 0.85:
        comm, mk = "python3", py_frame
        base = ["python3", "_start", "Py_RunMain", "<module> (app/main.py)"]
    else:
        comm, mk = "nginx", lambda: rng.choice(native)
        base = ["nginx", "_start", "ngx_worker_process_cycle"]
    frames = base + [mk() for _ in range(depth - len(base) - 3)]
    frames += [rng.choice(native) for _ in range(3)]
    return comm, frames


containers = ["k8s_api_api-7d9f8b6c4-x2k4p_prod_uid_0", "k8s_worker_worker-5f6d7-abcde_prod_uid_0", ""]
seen = set()
out = []
while len(out) < n:
    comm, frames = stack()
    key = ";".join(frames)
    if key in seen:
        continue
    seen.add(key)
    rank = len(out) + 1
    count = max(1, int(2000 / rank ** 1.1))
    out.append("%s;%s %d" % (rng.choice(containers), key, count))
sys.stdout.write("\n".join(out) + "\n")
