#!/usr/bin/env python3
"""inject_frame.py PID HEX - send one raw datagram on a child's channel.

Duplicates the child's SOCK_SEQPACKET channel end with pidfd_getfd(2)
(Linux >= 5.6, needs ptrace rights over PID) and sends the bytes given in
hex, so the supervisor receives them exactly as if the child had sent
them.  Used to prove that a corrupt frame is an error, not a crash.
Exit 2 when the kernel or permissions do not allow it (tests skip).
"""
import ctypes
import os
import socket
import sys

SYS_pidfd_open = 434
SYS_pidfd_getfd = 438

pid, data = int(sys.argv[1]), bytes.fromhex(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
pidfd = libc.syscall(SYS_pidfd_open, pid, 0)
if pidfd < 0:
    sys.exit(2)
for name in os.listdir("/proc/%d/fd" % pid):
    try:
        target = os.readlink("/proc/%d/fd/%s" % (pid, name))
    except OSError:
        continue
    if not target.startswith("socket:"):
        continue
    fd = libc.syscall(SYS_pidfd_getfd, pidfd, int(name), 0)
    if fd < 0:
        sys.exit(2)
    s = socket.socket(fileno=fd)
    if s.type == socket.SOCK_SEQPACKET and s.family == socket.AF_UNIX:
        s.send(data)
        sys.exit(0)
    s.detach()
    os.close(fd)
sys.exit(2)
