#!/usr/bin/env python3
"""mkpprof.py - write a small gzip'd pprof profile (profile.proto) to stdout.

Two sample types, cpu/nanoseconds and samples/count, three samples:
  main;work;hash   cpu 30  samples 3
  main;work        cpu 10  samples 1
  main;idle        cpu 5   samples 7
"hash" is inlined into "work" (one location with two lines).
Hand-encoded (no protobuf module needed)."""
import gzip, sys

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)

def key(field, wt):
    return varint(field << 3 | wt)

def ld(field, data):
    return key(field, 2) + varint(len(data)) + data

def vi(field, n):
    return key(field, 0) + varint(n)

def packed(field, nums):
    return ld(field, b"".join(varint(n) for n in nums))

strings = ["", "cpu", "nanoseconds", "samples", "count", "main", "work", "hash", "idle"]
S = {s: i for i, s in enumerate(strings)}
out = b""
out += ld(1, vi(1, S["cpu"]) + vi(2, S["nanoseconds"]))
out += ld(1, vi(1, S["samples"]) + vi(2, S["count"]))
# locations: 1 main, 2 work+hash inlined (hash first = leaf), 3 idle
funcs = {1: "main", 2: "work", 3: "hash", 4: "idle"}
for fid, name in funcs.items():
    out += ld(5, vi(1, fid) + vi(2, S[name]))
out += ld(4, vi(1, 1) + ld(4, vi(1, 1)))
out += ld(4, vi(1, 2) + ld(4, vi(1, 3)) + ld(4, vi(1, 2)))
out += ld(4, vi(1, 3) + ld(4, vi(1, 4)))
out += ld(4, vi(1, 4) + ld(4, vi(1, 2)))
# samples: location ids leaf first
out += ld(2, packed(1, [2, 1]) + packed(2, [30, 3]))
out += ld(2, packed(1, [4, 1]) + packed(2, [10, 1]))
out += ld(2, packed(1, [3, 1]) + packed(2, [5, 7]))
for s in strings:
    out += ld(6, s.encode())
sys.stdout.buffer.write(gzip.compress(out))
