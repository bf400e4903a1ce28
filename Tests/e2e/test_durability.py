"""Crash safety and space: SPEC "Uploads" (a 2xx means durable; a cut-off or crashed upload
leaves nothing visible; space comes back without a manual VACUUM) and the SIGTERM rule of
"HTTP hygiene and operations" (in-flight requests finish, the WAL is checkpointed, exit 0)."""

import hashlib
import json
import os
import shutil
import signal
import socket
import threading
import time
import uuid

import pytest
import requests

from filedrop_helpers import (
    MiB, bearer, db_query, db_size, download_sha256, file_size_or_zero, list_all, multipart_type, pseudo_random,
    raw_connect, raw_head, stream_upload, upload, upload_envelope, wal_settled,
)


# MARK: Helpers


def upload_bytes(server, auth, data, description, timeout=60):
    return upload(server, auth, data, description=description, filename="f.bin", accept="application/json",
                  timeout=timeout)


def wait_reclaimed(server, timeout=60):
    """Waits until the background reclaim has freed every deleted or aborted file's chunks,
    given the free pages back and the WAL was checkpointed (all of it copied into the
    database file; the -wal file empty or kept for reuse: `wal_settled`)."""
    deadline = time.monotonic() + timeout
    while True:
        (removing,), = db_query(server.database, "SELECT COUNT(*) FROM files WHERE complete = -1")
        (free,), = db_query(server.database, "PRAGMA freelist_count")
        settled = wal_settled(server.database)
        if removing == 0 and free == 0 and settled:
            return
        wal_size = file_size_or_zero(f"{server.database}-wal")
        assert time.monotonic() < deadline, (
            f"not reclaimed after {timeout} s: {removing} files, {free} free pages, wal {wal_size} (settled: {settled})")
        time.sleep(0.2)


def integrity_of_copy(server, folder):
    """`PRAGMA integrity_check` of a copy of the database and its WAL as the crash left them
    (the server is stopped), so that SQLite's own recovery of the copy is what is checked and
    the original stays untouched for the server's restart."""
    folder.mkdir()
    copy = folder / "copy.db"
    shutil.copyfile(server.database, copy)
    wal = f"{server.database}-wal"
    if os.path.exists(wal):
        shutil.copyfile(wal, f"{copy}-wal")
    return db_query(copy, "PRAGMA integrity_check", readonly=False)


class PeakSampler:
    """Samples db_size() in the background; `.peak` is the largest size seen."""

    def __init__(self, server, interval=0.01):
        self.server, self.interval, self.peak = server, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, db_size(self.server))
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, db_size(self.server))


class SlowUpload(threading.Thread):
    """An upload on a raw socket that sends `head_start` file bytes at once and then trickles
    until the connection fails: it never finishes."""

    def __init__(self, server, auth, description, head_start):
        super().__init__(daemon=True)
        self.server, self.auth, self.description, self.head_start = server, auth, description, head_start
        self.started = threading.Event()
        self.error = None

    def run(self):
        prefix, suffix = upload_envelope(self.description, "slow.bin")
        length = len(prefix) + self.head_start * 4 + len(suffix)
        head = raw_head("POST", "/upload", {
            "Authorization": self.auth["Authorization"], "Content-Type": multipart_type(), "Content-Length": length})
        try:
            with raw_connect(self.server, timeout=30) as sock:
                sock.sendall(head + prefix)
                for piece in pseudo_random(self.head_start, seed=self.head_start):
                    sock.sendall(piece)
                self.started.set()
                while True:
                    sock.sendall(b"t" * 1024)
                    time.sleep(0.05)
        except OSError as error:
            self.error = error
        finally:
            self.started.set()


# MARK: Crash safety


def test_kill_9_during_concurrent_uploads(make_server, tmp_path):
    server = make_server()
    auth = bearer(server.login())

    # Uploads that are in flight when the process dies: their chunks are already in the database.
    slow = [SlowUpload(server, auth, f"slow {i} {uuid.uuid4().hex}", head_start=6 * MiB + i * 333_333) for i in range(3)]
    for s in slow:
        s.start()
    for s in slow:
        assert s.started.wait(30)
        assert s.error is None, s.error
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        (pending, pending_bytes), = db_query(server.database, """
            SELECT COUNT(DISTINCT f.id), COALESCE(SUM(LENGTH(c.data)), 0)
            FROM files f JOIN chunks c ON c.file_id = f.id WHERE f.complete = 0""")
        if pending == 3 and pending_bytes >= 3 * 5 * MiB:
            break
        time.sleep(0.05)
    assert pending == 3 and pending_bytes >= 3 * 5 * MiB, (pending, pending_bytes)
    listed = list_all(server, auth)
    assert not any(f["description"].startswith("slow ") for f in listed), "an unfinished upload is listed"

    # Acknowledged uploads from several threads; kill -9 right after the eighth 201.
    sizes = [1, 300_000, MiB, MiB + 1, 2 * MiB + 12_345, 0, 777_777, 3 * MiB - 1]
    attempts = {}  # description -> (sha256, size)
    acked = {}  # id -> (description, sha256, size)
    lock = threading.Lock()
    enough = threading.Event()
    stop = threading.Event()

    def worker(n):
        i = 0
        while not stop.is_set():
            size = sizes[(n * 3 + i) % len(sizes)]
            data = b"".join(pseudo_random(size, seed=n * 1000 + i))
            description = f"acked {n}-{i} {uuid.uuid4().hex}"
            with lock:
                attempts[description] = (hashlib.sha256(data).hexdigest(), size)
            i += 1
            try:
                r = upload_bytes(server, auth, data, description, timeout=30)
            except requests.RequestException:
                return
            if r.status_code != 201:
                return
            with lock:
                acked[r.json()["id"]] = (description, r.json()["sha256"], r.json()["size"])
                if len(acked) >= 8:
                    enough.set()

    workers = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(4)]
    for w in workers:
        w.start()
    assert enough.wait(60), "uploads were not acknowledged"
    server.kill()  # SIGKILL, with uploads of other threads and the slow ones in flight
    stop.set()
    for w in workers:
        w.join(30)
    for s in slow:
        s.join(30)
    with lock:
        acked = dict(acked)
        attempts = dict(attempts)
    size_after_crash = db_size(server)

    # The files as the crash left them are sound.
    assert integrity_of_copy(server, tmp_path / "copy") == [("ok",)]

    server.start()
    auth = bearer(server.login())
    assert db_query(server.database, "PRAGMA integrity_check") == [("ok",)]

    listed = list_all(server, auth)
    by_id = {f["id"]: f for f in listed}
    # Every acknowledged file is there, byte-exact.
    for file_id, (description, sha, size) in acked.items():
        assert file_id in by_id, f"acknowledged file {file_id} lost"
        assert (by_id[file_id]["description"], by_id[file_id]["sha256"], by_id[file_id]["size"]) == (description, sha, size)
    # Nothing partial: every listed file is a whole upload that was sent, and downloads as such.
    for f in listed:
        assert f["description"] in attempts, f"unexpected file {f}"
        assert (f["sha256"], f["size"]) == attempts[f["description"]], f"partial file {f}"
        assert download_sha256(server, auth, f["id"])[:2] == (f["sha256"], f["size"])

    # The unfinished uploads' space is given back from the start on, in the background.
    wait_reclaimed(server)
    (incomplete,), = db_query(server.database, "SELECT COUNT(*) FROM files WHERE complete = 0")
    assert incomplete == 0
    (rows,), = db_query(server.database, "SELECT COUNT(*) FROM files")
    assert rows == len(listed)
    (chunk_bytes,), = db_query(server.database, "SELECT COALESCE(SUM(LENGTH(data)), 0) FROM chunks")
    stored = sum(f["size"] for f in listed)
    assert chunk_bytes == stored
    (orphans,), = db_query(server.database, "SELECT COUNT(*) FROM chunks WHERE file_id NOT IN (SELECT id FROM files)")
    assert orphans == 0
    size_after_restart = db_size(server)
    print(f"\ncrash: {len(acked)} acknowledged, {len(listed)} listed of {len(attempts)} attempted; "
          f"db+wal {size_after_crash / MiB:.1f} MiB after the crash, {size_after_restart / MiB:.1f} MiB after "
          f"restart, {stored / MiB:.1f} MiB stored")
    assert size_after_crash >= stored + 15 * MiB, (size_after_crash, stored)  # the partial bytes were on disk
    assert size_after_restart <= stored * 1.05 + 2 * MiB, (size_after_restart, stored, size_after_crash)

    # And the server works normally after the crash.
    r = upload_bytes(server, auth, b"after the crash", f"after {uuid.uuid4().hex}")
    assert r.status_code == 201


def test_kill_9_right_after_201(make_server):
    server = make_server()
    auth = bearer(server.login())
    data = b"".join(pseudo_random(5 * MiB + 3, seed=77))
    r = upload_bytes(server, auth, data, "durable")
    assert r.status_code == 201
    rec = r.json()
    server.kill()
    server.start()
    auth = bearer(server.login())
    assert requests.get(f"{server.url}/files/{rec['id']}", headers=auth, timeout=10).json() == rec
    assert download_sha256(server, auth, rec["id"])[:2] == (hashlib.sha256(data).hexdigest(), len(data))


# MARK: Space


def test_space_reused_upload_delete_100mib_five_times(make_server):
    server = make_server()
    auth = bearer(server.login())
    size = 100 * MiB
    peaks, after_delete = [], []
    sha = None
    for i in range(5):
        with PeakSampler(server) as sampler:
            status, _, body, _ = stream_upload(server, auth, pseudo_random(size, 2024), size,
                                               description="the same 100 MiB file")
            assert status == 201, body
            rec = json.loads(body)
            assert rec["size"] == size
            sha = sha or rec["sha256"]
            assert rec["sha256"] == sha
            r = requests.delete(f"{server.url}/files/{rec['id']}", headers=auth, timeout=60)
            assert r.status_code == 204
            wait_reclaimed(server)
        peaks.append(sampler.peak)
        after_delete.append(db_size(server))
    limit = 2.5 * size
    print(f"\nspace: peaks {[round(p / MiB, 1) for p in peaks]} MiB, after delete {[round(x / MiB, 2) for x in after_delete]} MiB")
    assert max(peaks) < limit, f"database + wal peaked at {max(peaks) / MiB:.1f} MiB (peaks {[p // MiB for p in peaks]})"
    # Deleting gives the space back: the files shrink to (nearly) nothing.
    assert max(after_delete) < 8 * MiB, [s / MiB for s in after_delete]
    assert list_all(server, auth) == []


def test_space_after_deletes_of_many_files(make_server):
    server = make_server()
    auth = bearer(server.login())
    ids = []
    for i in range(20):
        r = upload_bytes(server, auth, b"".join(pseudo_random(MiB + 100 * i, seed=i)), f"many {i}")
        assert r.status_code == 201
        ids.append(r.json()["id"])
    full = db_size(server)
    assert full >= 20 * MiB
    keep = ids[::5]
    for file_id in ids:
        if file_id not in keep:
            assert requests.delete(f"{server.url}/files/{file_id}", headers=auth, timeout=10).status_code == 204
    wait_reclaimed(server)
    assert db_size(server) < 4 * (MiB + 2000) + 3 * MiB
    for file_id in keep:
        rec = requests.get(f"{server.url}/files/{file_id}", headers=auth, timeout=10).json()
        assert download_sha256(server, auth, file_id)[:2] == (rec["sha256"], rec["size"])


# MARK: SIGTERM


def test_sigterm_exits_0_and_checkpoints(make_server):
    server = make_server()
    auth = bearer(server.login())
    data = b"".join(pseudo_random(3 * MiB, seed=3))
    rec = upload_bytes(server, auth, data, "before sigterm").json()
    upload_bytes(server, auth, b"small", "small one")
    assert server.stop() == 0
    wal = f"{server.database}-wal"
    assert not os.path.exists(wal) or os.path.getsize(wal) == 0
    assert db_query(server.database, "PRAGMA integrity_check") == [("ok",)]
    server.start()
    auth = bearer(server.login())
    assert download_sha256(server, auth, rec["id"])[:2] == (hashlib.sha256(data).hexdigest(), len(data))


def test_sigterm_lets_an_upload_in_flight_finish(make_server):
    server = make_server()
    auth = bearer(server.login())
    data = b"".join(pseudo_random(4 * MiB, seed=4))
    prefix, suffix = upload_envelope("in flight", "flight.bin")
    body = prefix + data + suffix
    head = raw_head("POST", "/upload", {
        "Authorization": auth["Authorization"], "Content-Type": multipart_type(), "Content-Length": len(body)})
    with raw_connect(server, timeout=30) as sock:
        sock.sendall(head + body[: 2 * MiB])
        time.sleep(0.3)
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        # No longer accepting new connections.
        with pytest.raises(OSError):
            socket.create_connection(server.address, timeout=2).close()
        assert server.proc.poll() is None, "exited with a request in flight"
        sock.sendall(body[2 * MiB:])
        response = b""
        while b"\r\n\r\n" not in response:
            piece = sock.recv(65536)
            assert piece, "connection closed without an answer"
            response += piece
    assert response.startswith(b"HTTP/1.1 201"), response[:200]
    assert server.proc.wait(40) == 0
    server.proc = None
    wal = f"{server.database}-wal"
    assert not os.path.exists(wal) or os.path.getsize(wal) == 0
    server.start()
    auth = bearer(server.login())
    files = list_all(server, auth)
    assert [f["description"] for f in files] == ["in flight"]
    assert download_sha256(server, auth, files[0]["id"])[:2] == (hashlib.sha256(data).hexdigest(), len(data))
