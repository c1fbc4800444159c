#!/usr/bin/env python3
"""mkprofile.py - write an upstream-shaped gProfiler profile file.

Shape as in gprofiler merge.py _make_profile_metadata: a "# {json}" header
line (json.dumps, ensure_ascii=True) followed by collapsed stack lines.

usage: mkprofile.py [--host H] [--continuous run|meta|both-false|none]
                    [--html plain|base64|none] [--perf-mode M]
                    [--perf-events E] [--duration N] [--stacks N]
                    [--html-kb N] [--htmlblob] > file
"""
import argparse
import base64
import gzip
import io
import json
import sys

p = argparse.ArgumentParser()
p.add_argument("--host", default="ip-10-0-1-5")
p.add_argument("--continuous", default="none")
p.add_argument("--html", default="plain")
p.add_argument("--perf-mode", default="fp")
p.add_argument("--perf-events", default="cycles,cache-misses")
p.add_argument("--duration", type=int, default=60)
p.add_argument("--stacks", type=int, default=20)
p.add_argument("--html-kb", type=int, default=4)
p.add_argument("--htmlblob", action="store_true")
p.add_argument("--tag", default="")
a = p.parse_args()

run_args = {
    "duration": a.duration, "frequency": 11, "profiling_mode": "cpu",
    "flamegraph": True, "perf_mode": a.perf_mode,
    "perf_events": a.perf_events, "profile_api_version": None,
    "service_name": "checkout", "server_token": "tok",
}
meta = {"hostname": a.host, "agent_version": "1.35.0",
        "cloud_info": {"instance_type": "m5.large"}, "run_mode": "local"}
if a.continuous in ("run", "both"):
    run_args["continuous"] = True
elif a.continuous == "meta":
    meta["continuous"] = True
    run_args.pop("continuous", None)
else:
    run_args["continuous"] = False
meta["run_arguments"] = run_args

filler = "".join("<div class=\"f\">frame %d \u00e9\u2603 \"q\"</div>\n" % i
                 for i in range(a.html_kb * 1024 // 40))
html = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>flamegraph %s%s</title></head><body>\n%s</body></html>\n"
        % (a.host, a.tag, filler))
header = {
    "containers": [], "container_names_enabled": False, "metadata": meta,
    "metrics": {"cpu_avg": 8.8, "mem_avg": 39.8},
    "application_metadata": [None], "application_metadata_enabled": True,
    "profiling_mode": "cpu", "hwmetrics": None, "htmlblob": None,
    "flamegraph_html": None,
}
if a.html == "plain":
    header["flamegraph_html"] = html
elif a.html == "base64":
    header["flamegraph_html"] = base64.b64encode(html.encode()).decode()
if a.htmlblob:
    header["htmlblob"] = base64.b64encode(
        gzip.compress(b"<html>perfspect</html>")).decode()

out = io.StringIO()
out.write("# " + json.dumps(header) + "\n")
for i in range(a.stacks):
    out.write("0;;python3;main;foo%d;bar %d\n" % (i, i + 1))
out.write("malformed line without count\n")
sys.stdout.write(out.getvalue().rstrip("\n"))
