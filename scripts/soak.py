"""FileDrop soak run; see `make soak`. Mixed uploads, downloads, deletes, logins and slow clients
against one server for SOAK_SECONDS (600), killed with SIGKILL every SOAK_KILL_EVERY seconds (60)
and started again. After every restart, and at the end, every acknowledged (201) and undeleted
file must download byte-exact; at the end, after a graceful stop, `PRAGMA integrity_check` must
be `ok`. Exits 1 when anything was lost or damaged.

    python3 scripts/soak.py BINARY      (make soak: the release build, dist/app)

Traffic goes to 127.0.0.1 only; every loop is bounded by the run's deadline."""

import hashlib
import os
import pathlib
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

import requests

BINARY = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "dist/app").resolve()
SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
KILL_EVERY = float(os.environ.get("SOAK_KILL_EVERY", "60"))
MiB = 1 << 20
MAX_FILES = 150  # deletes keep the database to a few hundred MiB


def content(seed, size):
    return random.Random(seed).randbytes(size)


class Server:
    """One `app` process in `folder`; started again after each kill on the same database."""

    def __init__(self, folder):
        self.folder = folder
        self.password = None
        self.proc = None
        self.url = None
        self.lines = 0

    def start(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
        self.proc = subprocess.Popen([str(BINARY), "--port", "0"], cwd=self.folder, env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in self.proc.stderr:
            m = re.match(r"Created user 'admin' with password: (\S+)", line)
            if m:
                self.password = m.group(1)
            m = re.search(r"listening on (http://\S+)", line)
            if m:
                self.url = m.group(1)
                break
        else:
            raise RuntimeError("the server did not start")
        threading.Thread(target=self._drain, args=(self.proc,), daemon=True).start()

    def _drain(self, proc):
        for _ in proc.stderr:
            self.lines += 1

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)


class Soak:
    def __init__(self, server, deadline):
        self.server = server
        self.deadline = deadline
        self.lock = threading.Lock()
        self.acknowledged = {}  # id -> (seed, size, sha256)
        self.maybe_deleted = set()  # a delete cut off by a kill: gone or intact, both fine
        self.running = threading.Event()  # set while the server is up
        self.counts = {k: 0 for k in ("uploads", "downloads", "deletes", "logins", "slow clients", "errors while up")}
        self.problems = []
        self.token = None

    def problem(self, text):
        with self.lock:
            self.problems.append(text)
        print(f"  problem: {text}", flush=True)

    def count(self, name):
        with self.lock:
            self.counts[name] += 1

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def worker(self, body):
        rng = random.Random(threading.get_ident())
        while time.monotonic() < self.deadline:
            if not self.running.wait(1):
                continue
            try:
                body(rng)
            except (requests.RequestException, OSError):
                if self.running.is_set():
                    self.count("errors while up")
                time.sleep(0.2)

    # MARK: Traffic

    def upload(self, rng):
        with self.lock:
            if len(self.acknowledged) >= MAX_FILES:
                return time.sleep(0.2)
        seed = rng.getrandbits(48)
        size = rng.choice([0, 1, 1000, 300_000, MiB - 1, MiB, MiB + 1, 3 * MiB + 17, 6 * MiB])
        data = content(seed, size)
        r = requests.post(self.server.url + "/upload", headers={**self.headers(), "Accept": "application/json"},
                          files={"inputFile": (f"s{seed}.bin", data)}, data={"description": f"soak {seed}"}, timeout=60)
        if r.status_code == 201:
            record = r.json()
            if record["sha256"] != hashlib.sha256(data).hexdigest() or record["size"] != size:
                self.problem(f"upload {seed}: the record does not match what was sent")
            with self.lock:
                self.acknowledged[record["id"]] = (seed, size, record["sha256"])
            self.count("uploads")
        elif self.running.is_set():
            self.problem(f"upload answered {r.status_code}: {r.text[:200]}")

    def download(self, rng):
        with self.lock:
            if not self.acknowledged:
                return time.sleep(0.1)
            file_id, (seed, size, sha) = rng.choice(list(self.acknowledged.items()))
        headers = self.headers()
        if size > 10 and rng.random() < 0.3:
            start = rng.randrange(size - 1)
            headers["Range"] = f"bytes={start}-"
            r = requests.get(f"{self.server.url}/files/{file_id}/content", headers=headers, timeout=60)
            if r.status_code == 404:
                return  # deleted meanwhile
            if r.status_code != 206 or r.content != content(seed, size)[start:]:
                self.problem(f"range of file {file_id} answered {r.status_code} or differs")
        else:
            r = requests.get(f"{self.server.url}/files/{file_id}/content", headers=headers, timeout=60)
            if r.status_code == 404:
                return
            if r.status_code != 200 or hashlib.sha256(r.content).hexdigest() != sha:
                self.problem(f"file {file_id} answered {r.status_code} or differs")
        self.count("downloads")

    def delete(self, rng):
        with self.lock:
            stored = len(self.acknowledged)
        time.sleep(rng.uniform(0.02, 0.1) if stored > MAX_FILES // 2 else rng.uniform(0.3, 1.0))
        with self.lock:
            if len(self.acknowledged) < 20:
                return
            file_id = rng.choice(list(self.acknowledged))
            self.acknowledged.pop(file_id)
            self.maybe_deleted.add(file_id)
        r = requests.delete(f"{self.server.url}/files/{file_id}", headers=self.headers(), timeout=60)
        if r.status_code == 204:
            with self.lock:
                self.maybe_deleted.discard(file_id)
            self.count("deletes")
        elif self.running.is_set():
            self.problem(f"delete of {file_id} answered {r.status_code}")

    def login(self, rng):
        time.sleep(rng.uniform(0.2, 1.0))
        r = requests.get(self.server.url + "/login", auth=("admin", self.server.password), timeout=60)
        if r.status_code == 200:
            self.count("logins")
        elif self.running.is_set():
            self.problem(f"login answered {r.status_code}")

    def slow_client(self, rng):
        """A client that sends part of a request, or reads nothing of an answer, then leaves."""
        host, port = self.server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            kind = rng.choice(["head", "body", "download"])
            if kind == "head":
                sock.sendall(b"GET /files HTTP/1.1\r\nHost: x\r\n")
            elif kind == "body":
                sock.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{")
            else:
                with self.lock:
                    ids = list(self.acknowledged)
                if ids:
                    sock.sendall(f"GET /files/{rng.choice(ids)}/content HTTP/1.1\r\nHost: x\r\n"
                                 f"Authorization: Bearer {self.token}\r\n\r\n".encode())
            time.sleep(rng.uniform(0.5, 3))
        self.count("slow clients")

    # MARK: Checking

    def check_all(self):
        """Every acknowledged, undeleted file is there, byte-exact. Returns how many were checked."""
        with self.lock:
            expected = dict(self.acknowledged)
            maybe = set(self.maybe_deleted)
        for file_id, (seed, size, sha) in expected.items():
            r = requests.get(f"{self.server.url}/files/{file_id}/content", headers=self.headers(), timeout=120)
            with self.lock:
                deleted_meanwhile = file_id not in self.acknowledged  # a deleter took it (deleters pop first)
            if r.status_code == 404 and deleted_meanwhile:
                continue
            if r.status_code != 200 or len(r.content) != size or hashlib.sha256(r.content).hexdigest() != sha:
                self.problem(f"LOST: file {file_id} ({size} bytes) answered {r.status_code} after a restart")
        for file_id in maybe:
            r = requests.get(f"{self.server.url}/files/{file_id}", headers=self.headers(), timeout=60)
            if r.status_code not in (200, 404):
                self.problem(f"file {file_id}, deleted during a kill, answered {r.status_code}")
        return len(expected)


def main():
    folder = pathlib.Path(tempfile.mkdtemp(prefix="filedrop-soak-"))
    server = Server(folder)
    server.start()
    deadline = time.monotonic() + SECONDS
    soak = Soak(server, deadline)
    soak.token = requests.get(server.url + "/login", auth=("admin", server.password), timeout=60).json()["token"]
    soak.running.set()
    workers = [soak.upload] * 4 + [soak.download] * 2 + [soak.delete] * 2 + [soak.login, soak.slow_client, soak.slow_client]
    threads = [threading.Thread(target=soak.worker, args=(body,), daemon=True) for body in workers]
    for thread in threads:
        thread.start()

    runs, kills, checked = 1, 0, 0
    print(f"soak: {SECONDS:.0f} s against {BINARY}, SIGKILL every {KILL_EVERY:.0f} s, data in {folder}", flush=True)
    while time.monotonic() + KILL_EVERY < deadline + 1:
        time.sleep(KILL_EVERY)
        soak.running.clear()
        server.kill()
        kills += 1
        time.sleep(0.5)  # requests in flight see the connection drop
        # The database as the kill left it (this recovers its WAL, as the next start would).
        with sqlite3.connect(folder / "app.db") as db:
            result = db.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            soak.problem(f"integrity_check after kill {kills}: {result}")
        server.start()
        runs += 1
        n = soak.check_all()  # before traffic resumes: nothing is deleted under the check
        soak.running.set()
        checked += n
        print(f"  kill {kills}: integrity_check {result}, restarted, {n} files byte-exact, {len(soak.problems)} problems",
              flush=True)
    for thread in threads:
        thread.join(timeout=120)
    soak.running.clear()
    final = soak.check_all() if server.proc.poll() is None else 0
    checked += final
    status = server.stop()
    with sqlite3.connect(folder / "app.db") as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        stored = db.execute("SELECT count(*) FROM files WHERE complete = 1").fetchone()[0]
    print(f"soak: {runs} runs, {kills} kills, {checked} file checks ({final} at the end, {stored} files stored), "
          f"exit status {status}, integrity_check {integrity}")
    print("soak: " + ", ".join(f"{v} {k}" for k, v in soak.counts.items()))
    lost = [p for p in soak.problems if p.startswith("LOST")]
    print(f"soak: {len(lost)} acknowledged files lost, {len(soak.problems)} problems in all")
    for problem in soak.problems[:20]:
        print("  " + problem)
    ok = not soak.problems and integrity == "ok" and status == 0
    if ok:
        subprocess.run(["rm", "-rf", str(folder)], check=False)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
