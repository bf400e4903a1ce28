"""Resumable uploads against the release build (scripts/bench.sh, or `make bench-tus`):

- a 1 GiB file sent through tus in 64 MiB PATCHes, next to the same file through POST /upload
  on the same server in the same run: throughput (median of BENCH_RUNS runs) and the server's
  peak RSS (VmHWM, reset before each upload);
- the space a file sent in 256 KiB PATCHes takes, next to the same file in one request: the
  database file's size after the upload and a checkpoint (the server's clean stop).

    python3 scripts/bench_tus.py BINARY
"""

import base64
import http.client
import os
import pathlib
import sqlite3
import statistics
import struct
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench import BLOCK, RUNS, SIZE, Server, upload  # noqa: E402 - after the path is set

PATCH = 64 << 20
SPACE_SIZE = int(os.environ.get("BENCH_SPACE_SIZE", str(64 << 20)))
SMALL_PATCH = 256 << 10


def tus_headers(server, **more):
    return {"Authorization": f"Bearer {server.token}", "Tus-Resumable": "1.0.0", **more}


def metadata(description):
    return f"description {base64.b64encode(description.encode()).decode()},filename YmlnLmJpbg=="


def tus_upload(server, description, size, patch_size, content=None):
    """Creates an upload and sends `size` bytes in PATCHes of `patch_size` on one connection;
    returns (seconds, file location)."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=600)
    start = time.perf_counter()
    connection.request("POST", "/uploads", headers=tus_headers(
        server, **{"Upload-Length": str(size), "Upload-Metadata": metadata(description)}))
    response = connection.getresponse()
    response.read()
    assert response.status == 201, response.status
    path = response.getheader("Location")
    offset, location = 0, None
    while offset < size:
        length = min(patch_size, size - offset)
        connection.putrequest("PATCH", path)
        for name, value in tus_headers(server, **{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
                                                 "Content-Length": str(length)}).items():
            connection.putheader(name, value)
        connection.endheaders()
        if content is not None:
            connection.send(content[offset:offset + length])
        else:
            sent = 0
            while sent < length:
                piece = BLOCK[: min(len(BLOCK), length - sent)]
                connection.send(piece)
                sent += len(piece)
        response = connection.getresponse()
        response.read()
        assert response.status == 204, response.status
        offset = int(response.getheader("Upload-Offset"))
        location = response.getheader("Location") or location
    elapsed = time.perf_counter() - start
    assert location, "the last PATCH named no stored file"
    return elapsed, location


def delete(server, location):
    connection = http.client.HTTPConnection(server.host, server.port, timeout=600)
    connection.request("DELETE", location, headers={"Authorization": f"Bearer {server.token}"})
    assert connection.getresponse().status == 204


def settle(folder, timeout=120):
    """Waits until the deleted file's space is reclaimed and the WAL copied into the database
    file (the -wal file empty, or kept for the next upload to write over: the wal-index says
    every frame is copied), so that the next upload is not measured against the last one's
    clean-up."""
    database = pathlib.Path(folder) / "app.db"
    wait_until_reclaimed(database, timeout)
    deadline = time.monotonic() + timeout
    while not wal_copied(database) and time.monotonic() < deadline:
        time.sleep(0.1)


def wal_copied(database):
    """The -wal file is empty or gone, or the wal-index (SQLite's WAL-index format, native byte
    order: mxFrame at byte 16, nBackfill at byte 96) says all its frames are copied."""
    wal = pathlib.Path(str(database) + "-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        return True
    try:
        head = pathlib.Path(str(database) + "-shm").read_bytes()[:100]
    except FileNotFoundError:
        return False
    return len(head) == 100 and struct.unpack_from("=I", head, 16) == struct.unpack_from("=I", head, 96)


def throughput_and_memory(folder):
    server = Server(folder)
    mb = SIZE / 1e6
    form, tus, form_peaks, tus_peaks = [], [], [], []
    for run in range(RUNS):
        server.reset_peak()
        seconds, location = upload(server, f"form {run}")
        form_peaks.append(server.status("VmHWM"))
        form.append(mb / seconds)
        delete(server, location)
        settle(folder)
        server.reset_peak()
        seconds, location = tus_upload(server, f"tus {run}", SIZE, PATCH)
        tus_peaks.append(server.status("VmHWM"))
        tus.append(mb / seconds)
        delete(server, location)
        settle(folder)
    server.stop()
    runs = lambda values: ", ".join(f"{v:.0f}" for v in values)  # noqa: E731
    print(f"{SIZE >> 20} MiB through POST /upload:          median {statistics.median(form):.0f} MB/s (runs {runs(form)}), "
          f"peak RSS (VmHWM) {max(form_peaks):.1f} MiB")
    print(f"{SIZE >> 20} MiB through tus, {PATCH >> 20} MiB PATCHes: median {statistics.median(tus):.0f} MB/s (runs {runs(tus)}), "
          f"peak RSS (VmHWM) {max(tus_peaks):.1f} MiB")
    print(f"tus / POST /upload throughput: {statistics.median(tus) / statistics.median(form):.2f}")


def wait_until_reclaimed(database, timeout=60):
    """Waits for the server's background reclaim: no removed rows and no free pages left."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
        try:
            removed = connection.execute("SELECT COUNT(*) FROM files WHERE complete = -1").fetchone()[0]
            free = connection.execute("PRAGMA freelist_count").fetchone()[0]
        finally:
            connection.close()
        if removed == 0 and free == 0:
            return
        time.sleep(0.1)


def space(folder):
    content = os.urandom(SPACE_SIZE)
    sizes = {}
    for way in ("one request", f"{SMALL_PATCH >> 10} KiB PATCHes"):
        sub = pathlib.Path(folder) / way.replace(" ", "-")
        sub.mkdir()
        server = Server(sub)
        if way == "one request":
            tus_upload(server, "same file", SPACE_SIZE, SPACE_SIZE, content)
        else:
            tus_upload(server, "same file", SPACE_SIZE, SMALL_PATCH, content)
        wait_until_reclaimed(sub / "app.db")
        server.stop()  # checkpoints the WAL into the database file
        sizes[way] = (sub / "app.db").stat().st_size
    one, small = sizes.values()
    print(f"{SPACE_SIZE >> 20} MiB file, database after a checkpoint: one request {one} B, "
          f"{SMALL_PATCH >> 10} KiB PATCHes {small} B, ratio {small / one:.4f}")


def main():
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR", ".")) as folder:
        throughput_and_memory(folder)
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR", ".")) as folder:
        space(folder)


if __name__ == "__main__":
    main()
