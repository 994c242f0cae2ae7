#!/usr/bin/env python3
"""An independent migration driver, to check host/migrate's verdicts against (no code shared).

  scripts/migration-repro.py [--postcopy] [--migrations K] -- QEMU ARGS... -append 'TEST ARGS'

Plain QEMU plumbing only: QMP on a unix socket per QEMU, the destination started with
"-incoming unix:<socket>", the guest's console on each QEMU's stdin/stdout, every socket
in a private temporary directory removed at exit. It speaks the guest side of
docs/HACKING.md "Migration" just enough for common/migration.c: on "MIGRATE: begin N"
it migrates K times (default 1) back to back, writing "+" after each; on "MIGRATE: end N"
it answers "A<N>,<count>"; on "MIGRATE: request N" it migrates once and answers
"A<N>,1". It prints the guest's console and exits with QEMU's status.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time


class Qmp:
    def __init__(self, path):
        deadline = time.time() + 30
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.02)
        self.file = self.sock.makefile("rw")
        self.read()  # greeting
        self.cmd("qmp_capabilities")

    def read(self):
        line = self.file.readline()
        if not line:
            raise EOFError("QMP closed")
        return json.loads(line)

    def cmd(self, name, **args):
        self.file.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.file.flush()
        while True:
            msg = self.read()
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise RuntimeError("%s: %s" % (name, msg["error"]["desc"]))


def main():
    args = sys.argv[1:]
    postcopy = False
    migrations = 1
    while args and args[0] != "--":
        if args[0] == "--postcopy":
            postcopy = True
            args = args[1:]
        elif args[0] == "--migrations":
            migrations = int(args[1])
            args = args[2:]
        else:
            sys.exit(__doc__)
    qemu = args[1:]
    mode = "postcopy" if postcopy else "precopy"
    if "-append" in qemu:
        i = qemu.index("-append") + 1
        qemu[i] = "MIGRATION=%s %s" % (mode, qemu[i])
    else:
        qemu += ["-append", "MIGRATION=" + mode]
    tmp = tempfile.mkdtemp(prefix="migration-repro.")
    procs = []
    try:
        return run(qemu, tmp, procs, postcopy, migrations)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def run(qemu, tmp, procs, postcopy, migrations):
    n = [0]

    def start(incoming):
        n[0] += 1
        qmp_path = os.path.join(tmp, "qmp%d" % n[0])
        extra = ["-qmp", "unix:%s,server=on,wait=off" % qmp_path]
        mig = os.path.join(tmp, "mig%d" % n[0])
        if incoming:
            extra += ["-incoming", "unix:" + mig]
        p = subprocess.Popen(qemu + extra, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        procs.append(p)
        q = Qmp(qmp_path)
        caps = [{"capability": "postcopy-ram", "state": postcopy}]
        q.cmd("migrate-set-capabilities", capabilities=caps)
        return p, q, mig

    def migrate(src, src_qmp, dst_qmp, mig):
        src_qmp.cmd("migrate-set-parameters", **{"max-bandwidth": 10 ** 10})
        src_qmp.cmd("migrate", uri="unix:" + mig)
        if postcopy:
            src_qmp.cmd("migrate-start-postcopy")
        deadline = time.time() + 120
        while True:
            st = src_qmp.cmd("query-migrate").get("status")
            if st == "completed" and dst_qmp.cmd("query-status")["status"] == "running":
                return
            if st in ("failed", "cancelled") or time.time() > deadline:
                raise RuntimeError("migration: %s" % st)
            time.sleep(0.01)

    lines = []
    cond = threading.Condition()

    def pump(p):
        buf = b""
        for chunk in iter(lambda: os.read(p.stdout.fileno(), 4096), b""):
            sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                with cond:
                    lines.append(line.decode(errors="replace").rstrip("\r"))
                    cond.notify()

    src, src_qmp, _ = start(False)
    reader = threading.Thread(target=pump, args=(src,), daemon=True)
    reader.start()
    count = 0
    while True:
        with cond:
            while not lines and src.poll() is None:
                cond.wait(0.1)
            if not lines:
                reader.join()
                if not lines:
                    return src.wait()
                continue
            line = lines.pop(0)
        if not line.startswith("MIGRATE: "):
            continue
        word = line.split()
        todo = {"request": 1, "begin": migrations}.get(word[1], 0)
        for i in range(todo):
            dst, dst_qmp, mig = start(True)
            t0 = time.time()
            migrate(src, src_qmp, dst_qmp, mig)
            sys.stderr.write("repro: migration %d took %.0f ms\n" % (count + 1, 1000 * (time.time() - t0)))
            src.kill()
            src.wait()
            reader.join()
            src, src_qmp = dst, dst_qmp
            count += 1
            reader = threading.Thread(target=pump, args=(src,), daemon=True)
            reader.start()
            if word[1] == "begin":
                src.stdin.write(b"+")
                src.stdin.flush()
        if word[1] in ("request", "end"):
            src.stdin.write(b"A%s,%d\n" % (word[2].encode(), 1 if word[1] == "request" else count))
            src.stdin.flush()


if __name__ == "__main__":
    sys.exit(main())
