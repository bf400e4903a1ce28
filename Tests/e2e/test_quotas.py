"""Quotas and the free-space reserve, end to end (SPEC "File lifetime, editing, search and
quotas"): per-user quotas from the command line (seen by a running server within a second),
`--max-storage`, `--min-free-space`; reaching a limit exactly is allowed, passing it is 507 —
before the body when the length is known, as soon as it passes for a chunked body — and
nothing of a refused upload is kept."""

import concurrent.futures
import hashlib
import select
import time

import requests

from filedrop_helpers import (
    MiB, assert_nothing_left, bearer, download_sha256, list_all, multipart_type, pseudo_random, raw_connect,
    raw_head, read_response, settled_state, stream_upload, unique, upload, upload_envelope, upload_json,
)


def set_quota(server, name, value):
    result = server.run_cli("user", "quota", name, str(value))
    assert result.returncode == 0, result.stderr


def refused_before_the_body(server, auth, length):
    """Whether an upload declaring `length` bytes gets 507 at once (else: 100 Continue, and
    the connection is dropped without a body, so nothing is stored)."""
    headers = {"Content-Type": multipart_type(), "Content-Length": str(length), "Expect": "100-continue", **auth}
    with raw_connect(server) as sock:
        sock.sendall(raw_head("POST", "/upload", headers))
        status, _, _ = read_response(sock)
    assert status in (100, 507), status
    return status == 507


def quota_applies(server, auth, quota, timeout=1.5):
    """True once the server refuses, before its body, an upload that would pass `quota` (a
    change made from the command line is seen within a second); nothing is stored meanwhile."""
    deadline = time.monotonic() + timeout
    # The declared body is the file plus at most 1 MiB of form around it.
    while not refused_before_the_body(server, auth, quota + 2 * MiB):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def chunked_until_answered(server, auth, size, description=None):
    """Sends an upload with a chunked body, 64 KiB at a time, until the server answers (or the
    body ends); returns (status, body bytes sent)."""
    prefix, suffix = upload_envelope(description or unique())
    headers = {"Content-Type": multipart_type(), "Transfer-Encoding": "chunked", **auth}
    sent = 0
    with raw_connect(server) as sock:
        sock.sendall(raw_head("POST", "/upload", headers))

        def chunk(data):
            sock.sendall(b"%x\r\n" % len(data) + data + b"\r\n")

        chunk(prefix)
        for piece in pseudo_random(size, 7, piece=64 * 1024):
            try:
                chunk(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
            if select.select([sock], [], [], 0)[0]:
                break
        else:
            chunk(suffix)
            sock.sendall(b"0\r\n\r\n")
        status, _, _ = read_response(sock)
    return status, sent


def test_a_quota_set_from_the_command_line_applies_to_a_running_server(server, auth):
    set_quota(server, "admin", 3 * MiB)
    # Seen within a second (the server watches the database for other processes' changes).
    assert quota_applies(server, auth, 3 * MiB)
    listed, state = list_all(server, auth), settled_state(server)
    r = upload(server, auth, b"y" * (3 * MiB + 1), accept="application/json")
    assert r.status_code == 507
    assert r.json()["message"] == "This upload would pass your storage quota of 3145728 bytes (3.1 MB)"
    assert_nothing_left(server, auth, listed, state)

    # Exactly the quota is allowed; one byte more is not.
    first = upload_json(server, auth, b"a" * (2 * MiB))
    upload_json(server, auth, b"b" * MiB)
    assert upload(server, auth, b"c").status_code == 507
    # A delete makes room at once.
    assert requests.delete(f"{server.url}/files/{first['id']}", headers=auth, timeout=10).status_code == 204
    upload_json(server, auth, b"d" * (2 * MiB))

    # 0 removes the quota.
    set_quota(server, "admin", 0)
    deadline = time.monotonic() + 1.5
    while refused_before_the_body(server, auth, 5 * MiB):
        assert time.monotonic() < deadline, "the quota is still applied"
        time.sleep(0.05)
    upload_json(server, auth, b"e" * (2 * MiB))


def test_a_known_length_past_the_quota_is_refused_before_the_body(server, auth):
    set_quota(server, "admin", 2 * MiB)
    assert quota_applies(server, auth, 2 * MiB)
    headers = {"Content-Type": multipart_type(), "Content-Length": str(8 * MiB), "Expect": "100-continue", **auth}
    with raw_connect(server) as sock:
        sock.sendall(raw_head("POST", "/upload", headers))
        status, response_headers, body = read_response(sock)
    assert status == 507, body  # not 100 Continue: no byte of the body was asked for
    assert response_headers.get("connection") == "close"


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_quota(server, auth):
    set_quota(server, "admin", 4 * MiB)
    assert quota_applies(server, auth, 4 * MiB)
    listed, state = list_all(server, auth), settled_state(server)
    status, sent = chunked_until_answered(server, auth, 64 * MiB)
    assert status == 507
    assert sent < 16 * MiB, f"the answer came after {sent} bytes"
    assert_nothing_left(server, auth, listed, state)
    # A chunked upload within the quota is stored.
    status, _, body, _ = stream_upload(server, auth, pseudo_random(3 * MiB, 1), 3 * MiB, chunked=True)
    assert status == 201, body


def test_users_have_their_own_quotas(server, auth):
    result = server.run_cli("user", "add", "bob", "--password-stdin", "--quota", str(MiB), input="bob-password\n")
    assert result.returncode == 0, result.stderr
    bob = bearer(server.login("bob", "bob-password"))
    assert quota_applies(server, bob, MiB)
    assert upload(server, bob, b"b" * (MiB + 1)).status_code == 507
    upload_json(server, bob, b"b" * MiB)
    assert upload(server, bob, b"b").status_code == 507
    # Another user's files are not bob's: admin, without a quota, uploads freely.
    upload_json(server, auth, b"a" * (2 * MiB))
    listing = server.run_cli("user", "list")
    assert listing.returncode == 0
    line = next(line for line in listing.stdout.splitlines() if line.startswith("bob\t"))
    assert f"uses {MiB} bytes" in line and f"quota {MiB} bytes" in line


def test_the_storage_limit_counts_every_users_files(make_server):
    server = make_server(["--max-storage", str(3 * MiB)])
    auth = bearer(server.login())
    assert server.run_cli("user", "add", "cy", "--password-stdin", input="cy-password\n").returncode == 0
    cy = bearer(server.login("cy", "cy-password"))
    upload_json(server, auth, b"a" * (2 * MiB))
    upload_json(server, cy, b"c" * MiB)  # exactly the limit
    listed, state = list_all(server, auth), settled_state(server)
    r = upload(server, cy, b"c", accept="application/json")
    assert r.status_code == 507 and "storage limit of 3145728 bytes" in r.json()["message"]
    status, _, _, _ = stream_upload(server, auth, pseudo_random(MiB, 2), MiB, chunked=True)
    assert status == 507
    assert_nothing_left(server, auth, listed, state)


def test_uploads_running_together_cannot_pass_a_quota_together(server, auth):
    quota = 10 * MiB
    set_quota(server, "admin", quota)
    assert quota_applies(server, auth, quota)

    def one(n):
        status, _, _, _ = stream_upload(server, auth, pseudo_random(4 * MiB, n), 4 * MiB, chunked=n % 2 == 0)
        return status

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(one, range(4)))
    assert sorted(set(statuses)) == [201, 507], statuses
    assert statuses.count(201) <= 2
    settled_state(server)
    stored = sum(f["size"] for f in list_all(server, auth))
    assert stored == 4 * MiB * statuses.count(201) and stored <= quota


def test_less_free_space_than_the_reserve_is_507_and_the_server_stays_healthy(make_server):
    server = make_server()
    auth = bearer(server.login())
    data = b"kept" * 100_000
    kept = upload_json(server, auth, data)
    assert server.stop() == 0
    server.args += ["--min-free-space", str(1 << 60)]  # far more than any disk here has free
    server.start()
    auth = bearer(server.login())
    for chunked in (False, True):
        status, _, body, _ = stream_upload(server, auth, pseudo_random(MiB, 3), MiB, chunked=chunked)
        assert status == 507, body
        assert b"free space" in body
    assert upload(server, auth, b"").status_code == 507
    # Everything else goes on: health, the page, the list, downloads, edits, deletes.
    assert requests.get(server.url + "/healthz", timeout=10).json() == {"status": "ok"}
    assert requests.get(server.url + "/", headers=auth, timeout=10).status_code == 200
    assert [f["id"] for f in list_all(server, auth)] == [kept["id"]]
    assert download_sha256(server, auth, kept["id"])[0] == hashlib.sha256(data).hexdigest()
    r = requests.patch(f"{server.url}/files/{kept['id']}", json={"description": unique("renamed")}, headers=auth, timeout=10)
    assert r.status_code == 200
    assert requests.delete(f"{server.url}/files/{kept['id']}", headers=auth, timeout=10).status_code == 204
