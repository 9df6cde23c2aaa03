#!/usr/bin/python3
"""Minimal QMP client (stdlib only) for the vmscope real-dump bench.

Usage: qmp.py SOCKET TIMEOUT ACTION [ACTION...]
  stop                        pause the guest (all dumps then hold one instant)
  dump:FORMAT:PAGING:PATH     dump-guest-memory; FORMAT elf|kdump-zlib|...,
                              PAGING 0|1; waits for completion (query-dump)
  quit                        ask QEMU to exit
  status                      print query-status
Every step is bounded by TIMEOUT seconds.  Exit status 0 on success.
"""
import json
import os
import socket
import sys
import time


class QMP:
    def __init__(self, path, timeout):
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.buf = b""
        greeting = self.recv()
        if "QMP" not in greeting:
            raise RuntimeError("no QMP greeting: %r" % greeting)
        self.cmd("qmp_capabilities")

    def recv(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            r = self.recv()
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise RuntimeError("%s: %s" % (name, r["error"]))
            # asynchronous event: ignore (DUMP_COMPLETED is polled below)
        raise TimeoutError(name)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    path, timeout = sys.argv[1], float(sys.argv[2])
    q = QMP(path, timeout)
    for action in sys.argv[3:]:
        if action == "stop":
            q.cmd("stop")
        elif action == "status":
            print(json.dumps(q.cmd("query-status")))
        elif action == "quit":
            try:
                q.cmd("quit")
            except RuntimeError:
                pass  # connection closes as QEMU exits
        elif action.startswith("dump:"):
            _, fmt, paging, out = action.split(":", 3)
            out = os.path.abspath(out)
            if os.path.exists(out):
                os.unlink(out)
            t0 = time.monotonic()
            q.cmd("dump-guest-memory", paging=(paging == "1"),
                  protocol="file:" + out, format=fmt, detach=True)
            while True:
                st = q.cmd("query-dump")
                if st.get("status") == "completed":
                    break
                if st.get("status") == "failed":
                    sys.exit("qmp.py: dump %s failed" % out)
                if time.monotonic() - t0 > timeout:
                    sys.exit("qmp.py: dump %s timed out after %ss" % (out, timeout))
                time.sleep(0.1)
            print("dumped %s (%s, paging=%s) in %.1fs" %
                  (out, fmt, paging, time.monotonic() - t0))
        else:
            sys.exit("qmp.py: unknown action %r" % action)


if __name__ == "__main__":
    main()
