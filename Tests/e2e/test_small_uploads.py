"""Small uploads (a declared body of at most one 1 MiB chunk) take the one-transaction path:
SPEC "Uploads" still holds for them. Their bytes and SHA-256 are exact on both sides of the
1 MiB line, a 201 is durable (kill -9 right after it, with many clients uploading at once so
that their commits are grouped), and a refused one (409, 413, 507, a drop link's limit)
leaves nothing behind."""

import concurrent.futures
import hashlib
import http.client
import json
import threading
import uuid

import requests

from filedrop_helpers import (
    MiB, assert_nothing_left, bearer, db_query, download_sha256, file_part, file_size_or_zero, incomplete_rows, list_all,
    multipart, multipart_type, pseudo_random, settled_state, text_part, unique, upload,
)
from test_quotas import quota_applies, set_quota


def form(data, description):
    return multipart(text_part("description", description), file_part(data, filename="s.bin"))


def keep_alive_uploads(server, token, items):
    """Uploads (description, data) pairs one after another on one keep-alive connection;
    returns the JSON records."""
    host, port = server.address
    conn = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Content-Type": multipart_type(), "Authorization": f"Bearer {token}", "Accept": "application/json"}
    records = []
    try:
        for description, data in items:
            conn.request("POST", "/upload", body=form(data, description), headers=headers)
            r = conn.getresponse()
            body = r.read()
            assert r.status == 201, (r.status, body)
            records.append(json.loads(body))
    finally:
        conn.close()
    return records


def test_small_uploads_are_byte_exact_on_both_sides_of_one_chunk(server, auth, token):
    # The body's overhead here is a few hundred bytes: the first sizes are small, the last stream.
    sizes = [0, 1, 10 * 1024, MiB - 1024, MiB - 1, MiB, MiB + 1, 2 * MiB + 7]
    items = [(unique("exact"), b"".join(pseudo_random(size, seed=size + 3))) for size in sizes]
    records = keep_alive_uploads(server, token, items)
    for (description, data), rec in zip(items, records):
        assert (rec["description"], rec["size"], rec["sha256"]) == (description, len(data), hashlib.sha256(data).hexdigest())
        assert download_sha256(server, auth, rec["id"])[:2] == (hashlib.sha256(data).hexdigest(), len(data))
    assert incomplete_rows(server) == 0


def test_kill_9_right_after_small_201s_from_16_clients_keeps_every_file(make_server):
    server = make_server()
    token = server.login()
    acked = {}
    lock = threading.Lock()

    def client(n):
        items = [(f"c{n}-{i} {uuid.uuid4().hex}", b"".join(pseudo_random(1 + (n * 7919 + i * 104_729) % 200_000,
                                                                              seed=n * 100 + i))) for i in range(12)]
        for (description, data), rec in zip(items, keep_alive_uploads(server, token, items)):
            with lock:
                acked[rec["id"]] = (rec, hashlib.sha256(data).hexdigest(), len(data))

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        for future in [pool.submit(client, n) for n in range(16)]:
            future.result()
    server.kill()  # SIGKILL right after the last 201: nothing checkpointed, nothing shut down
    server.start()
    auth = bearer(server.login())
    assert len(acked) == 16 * 12
    for file_id, (rec, sha256, size) in acked.items():
        assert requests.get(f"{server.url}/files/{file_id}", headers=auth, timeout=10).json() == rec
        assert rec["sha256"] == sha256
    for file_id in list(acked)[::23]:
        assert download_sha256(server, auth, file_id)[:2] == (acked[file_id][1], acked[file_id][2])
    (files,), = db_query(server.database, "SELECT COUNT(*) FROM files")
    assert files == len(acked) and incomplete_rows(server) == 0


def test_small_uploads_one_after_another_recycle_the_wal_and_survive_kill_9(make_server):
    """400 small uploads write about 33 MiB to the WAL (each commit rewrites ten or eleven
    8 KiB pages): the server copies it into the database every 16 MiB of them, so that the -wal
    file (made 17 MiB long at start) is overwritten from its start rather than grown, and it
    stays well below what they wrote. Every file is still there, byte-exact, after a kill -9
    right after the last 201."""
    server = make_server()
    token = server.login()
    wal = f"{server.database}-wal"
    items = [(f"recycled {i} {uuid.uuid4().hex}", b"".join(pseudo_random(10_000 + i, seed=i))) for i in range(400)]
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], file_size_or_zero(wal))

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        records = keep_alive_uploads(server, token, items)
    finally:
        done.set()
        sampler.join()
    assert 0 < peak[0] < 25 * MiB, f"-wal file peaked at {peak[0] / MiB:.1f} MiB"
    server.kill()
    server.start()
    auth = bearer(server.login())
    for (description, data), rec in list(zip(items, records))[::29]:
        assert rec["description"] == description
        assert download_sha256(server, auth, rec["id"])[:2] == (hashlib.sha256(data).hexdigest(), len(data))
    (files,), = db_query(server.database, "SELECT COUNT(*) FROM files WHERE complete = 1")
    assert files == len(items)
    (check,), = db_query(server.database, "PRAGMA integrity_check")
    assert check == "ok"


def test_a_small_upload_refused_at_its_end_leaves_nothing(make_server):
    server = make_server(args=["--max-upload-size", "1000"])
    auth = bearer(server.login())
    assert upload(server, auth, b"x" * 10, description="taken").status_code == 201
    listed, state = list_all(server, auth), settled_state(server)
    clash = upload(server, auth, b"y" * 20, description="taken")
    assert clash.status_code == 409
    assert upload(server, auth, b"z" * 1001).status_code == 413
    assert_nothing_left(server, auth, listed, state)


def test_a_small_upload_past_the_quota_is_507_and_leaves_nothing(make_server):
    server = make_server()
    auth = bearer(server.login())
    set_quota(server, "admin", 1000)
    assert quota_applies(server, auth, 1000)
    assert upload(server, auth, b"a" * 900).status_code == 201
    listed, state = list_all(server, auth), settled_state(server)
    assert upload(server, auth, b"b" * 101).status_code == 507
    assert_nothing_left(server, auth, listed, state)


def test_concurrent_small_guest_uploads_keep_a_drop_links_file_limit(server, auth):
    r = requests.post(f"{server.url}/drops", json={"label": unique("drop"), "max_files": 5}, headers=auth, timeout=30)
    assert r.status_code == 201, r.text
    drop = r.json()

    def guest(n):
        body = form(b"guest %d" % n, unique("guest"))
        return requests.post(server.url + drop["url"] + "/upload", data=body,
                             headers={"Content-Type": multipart_type()}, timeout=60).status_code

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(guest, range(16)))
    assert codes.count(201) == 5 and set(codes) <= {201, 403}, codes
    (received, files, drop_files), = db_query(
        server.database, "SELECT COUNT(*), (SELECT COUNT(*) FROM files), "
        f"(SELECT files FROM drop_links WHERE id = {drop['id']}) FROM files WHERE drop_id = {drop['id']}")
    assert (received, files, drop_files) == (5, 5, 5)
    assert incomplete_rows(server) == 0
