"""A disk that really fills up (SPEC "File lifetime, editing, search and quotas"): the database
lives on a small tmpfs mounted for the test, uploads go on until the disk has no room, and then:
every refused upload got 507 (never 500), nothing of them is left, the database passes
`PRAGMA integrity_check`, every acknowledged file downloads byte-exact, the server keeps serving
(and deleting), and once room comes back it takes uploads again.

Needs root and permission to mount (`mount -t tmpfs`); skipped with the reason otherwise.
"""

import hashlib
import os
import subprocess
import time

import pytest
import requests

from filedrop_helpers import MiB, bearer, db_query, download_sha256, list_all, upload

DISK_BYTES = 48 * MiB
FILE_BYTES = 4 * MiB


def _mount_tmpfs(path, size):
    """Mounts a tmpfs of `size` bytes at `path`; returns None, or why it cannot."""
    if os.geteuid() != 0:
        return "needs root to mount a small tmpfs"
    path.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        return f"mount -t tmpfs is not allowed here: {result.stderr.strip() or result.returncode}"
    return None


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    reason = _mount_tmpfs(disk, DISK_BYTES)
    if reason:
        pytest.skip(reason)
    yield disk
    subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def free_bytes(path):
    info = os.statvfs(path)
    return info.f_bavail * info.f_frsize


def test_a_full_disk_is_507_and_loses_nothing(small_disk, make_server):
    # --min-free-space 0: nothing holds the server back, so SQLite itself meets the full disk.
    server = make_server(["--min-free-space", "0"], workdir=small_disk)
    auth = bearer(server.login())

    acknowledged = {}
    statuses = []
    for n in range(24):
        data = os.urandom(FILE_BYTES)
        r = upload(server, auth, data, description=f"fill {n}", accept="application/json")
        statuses.append(r.status_code)
        assert r.status_code in (201, 507), (n, r.status_code, r.text)
        if r.status_code == 201:
            acknowledged[r.json()["id"]] = hashlib.sha256(data).hexdigest()
        elif statuses.count(507) >= 3:
            break
    assert len(acknowledged) >= 3 and 507 in statuses, statuses
    # The disk filled: the server gave up its emergency reserve (app.db-reserve), removed the
    # refused upload's rows, and keeps what the reserve left for deletes (nothing else wrote
    # into it: the removal rewrites one small row, often within -wal space already on disk).
    assert not (small_disk / "app.db-reserve").exists(), "the disk never filled"
    assert free_bytes(small_disk) <= 8 * MiB

    # Nothing of the refused uploads is left; the database is intact.
    (incomplete,), = db_query(server.database, "SELECT count(*) FROM files WHERE complete = 0")
    assert incomplete == 0
    (integrity,), = db_query(server.database, "PRAGMA integrity_check")
    assert integrity == "ok"

    # The server keeps serving: health, the list, every acknowledged file byte-exact.
    assert requests.get(server.url + "/healthz", timeout=10).json() == {"status": "ok"}
    assert {f["id"] for f in list_all(server, auth)} == set(acknowledged)
    for file_id, digest in acknowledged.items():
        assert download_sha256(server, auth, file_id)[0] == digest

    # Another upload is refused before its body now that the server knows the disk is full.
    time.sleep(1.2)
    r = upload(server, auth, b"x" * 1000, description="while full")
    assert r.status_code == 507, r.text
    # Deleting works on the full disk (that is how room is made).
    victim = next(iter(acknowledged))
    assert requests.delete(f"{server.url}/files/{victim}", headers=auth, timeout=10).status_code == 204
    del acknowledged[victim]

    # Room comes back (as when another process frees some: here the tmpfs grows); uploads work
    # again within a few seconds.
    subprocess.run(["mount", "-o", f"remount,size={DISK_BYTES * 2}", str(small_disk)], check=True)
    deadline = time.monotonic() + 10
    while True:
        data = os.urandom(1000)
        r = upload(server, auth, data, description=f"after room {time.monotonic()}", accept="application/json")
        if r.status_code == 201 or time.monotonic() > deadline:
            break
        assert r.status_code == 507
        time.sleep(0.5)
    assert r.status_code == 201, r.text
    acknowledged[r.json()["id"]] = hashlib.sha256(data).hexdigest()

    assert server.stop() == 0
    (integrity,), = db_query(server.database, "PRAGMA integrity_check")
    assert integrity == "ok"
    server.start()
    auth = bearer(server.login())
    for file_id, digest in acknowledged.items():
        assert download_sha256(server, auth, file_id)[0] == digest


def test_a_disk_filled_by_another_process_is_507(small_disk, make_server):
    """The server keeps its free-space reserve (--min-free-space): filling the disk beside it
    turns uploads into 507 before their bodies, and removing the filler lets them in again."""
    server = make_server(["--min-free-space", str(4 * MiB)], workdir=small_disk)
    auth = bearer(server.login())
    kept = os.urandom(MiB)
    r = upload(server, auth, kept, description="kept", accept="application/json")
    assert r.status_code == 201, r.text
    kept_id = r.json()["id"]

    filler = small_disk / "filler"
    with open(filler, "wb") as f:
        left = free_bytes(small_disk) - 2 * MiB
        f.write(b"\0" * left)
    time.sleep(1.2)  # the server looks at the disk every second
    r = upload(server, auth, os.urandom(MiB), description="refused")
    assert r.status_code == 507, r.text
    assert "free space" in r.json()["message"]
    assert download_sha256(server, auth, kept_id)[0] == hashlib.sha256(kept).hexdigest()

    filler.unlink()
    time.sleep(1.2)
    r = upload(server, auth, os.urandom(MiB), description="after the filler went")
    assert r.status_code == 201, r.text
