"""Resumable uploads, end to end against the built binary: SPEC "Resumable uploads (tus
1.0.0)". Every status code, byte-exact round trips in PATCHes of every size, a PATCH cut off
over a raw socket, kill -9 and restart, termination and expiry giving the space back, the
space rule for 256 KiB PATCHes, and a real tus client (tuspy) that uploads and resumes."""

import email.utils
import hashlib
import os
import time

import pytest
import requests

from filedrop_helpers import (
    MiB, bearer, db_query, db_size, download_sha256, list_all, raw_connect, raw_head, read_response, unique, upload_json,
)
from tus_helpers import BYTES, TUS, create, created, head, metadata, offset_of, patch, send_in_pieces, sha1_header

KiB = 1 << 10


def stored(server, auth, description):
    """The record stored under `description`."""
    [record] = [f for f in list_all(server, auth) if f["description"] == description]
    return record


def assert_stored(server, auth, description, data, filename="file.bin"):
    record = stored(server, auth, description)
    assert record["size"] == len(data)
    assert record["sha256"] == hashlib.sha256(data).hexdigest()
    assert record["filename"] == filename
    digest, count, _ = download_sha256(server, auth, record["id"])
    assert (digest, count) == (record["sha256"], len(data))
    return record


# MARK: The protocol's answers


def test_options_needs_no_token_and_every_answer_carries_tus_resumable(srv):
    r = requests.options(srv.url + "/uploads", timeout=10)
    assert r.status_code == 204
    assert r.headers["Tus-Resumable"] == "1.0.0"
    assert r.headers["Tus-Version"] == "1.0.0"
    assert r.headers["Tus-Extension"] == "creation,creation-with-upload,termination,expiration,checksum"
    assert r.headers["Tus-Max-Size"] == "4294967295"
    assert r.headers["Tus-Checksum-Algorithm"] == "sha1,sha256"
    for method, path, status in [("GET", "/uploads", 405), ("GET", "/uploads/not-an-id", 404), ("POST", "/uploads", 401),
                                 ("HEAD", "/uploads/AAAAAAAAAAAAAAAAAAAAAA", 401), ("PUT", "/uploads", 405)]:
        r = requests.request(method, srv.url + path, headers=TUS, timeout=10)
        assert r.status_code == status, (method, path, r.status_code)
        assert r.headers.get("Tus-Resumable") == "1.0.0", (method, path)


def test_another_version_is_412_with_tus_version(srv, sauth):
    for headers in ({}, {"Tus-Resumable": "0.2.2"}):
        r = requests.post(srv.url + "/uploads", headers={**sauth, **headers, "Upload-Length": "1",
                                                          "Upload-Metadata": metadata(unique())}, timeout=10)
        assert r.status_code == 412
        assert r.headers["Tus-Version"] == "1.0.0"
        assert r.headers["Tus-Resumable"] == "1.0.0"
    # Without a token, the 401 comes first.
    assert requests.post(srv.url + "/uploads", headers={"Upload-Length": "1"}, timeout=10).status_code == 401


def test_creation_answers_and_errors(make_server):
    server = make_server(args=["--max-upload-size", "1000"])
    auth = bearer(server.login())
    r = create(server, auth, 1000, "reserved")
    assert r.status_code == 201
    assert r.headers["Location"].startswith("/uploads/") and len(r.headers["Location"]) == len("/uploads/") + 22
    expires = email.utils.parsedate_to_datetime(r.headers["Upload-Expires"]).timestamp()
    assert abs(expires - (time.time() + 86400)) < 60
    assert r.headers["Upload-Expires"].endswith(" GMT")
    assert r.headers["Upload-Offset"] == "0"

    upload_json(server, auth, b"x", description="stored")
    cases = [
        ({"Upload-Length": "1001"}, 413),
        ({"Upload-Length": "-1"}, 400),
        ({"Upload-Length": "+1"}, 400),
        ({"Upload-Length": "1e3"}, 400),
        ({"Upload-Length": None}, 400),
        ({"Upload-Defer-Length": "1"}, 400),
        ({"Upload-Metadata": "filename YS5iaW4="}, 400),  # no description
        ({"Upload-Metadata": "description !!!"}, 400),  # not base64
        ({"Upload-Metadata": "description /w=="}, 400),  # not UTF-8
        ({"Upload-Metadata": metadata(" ")}, 400),  # empty once trimmed
        ({"Upload-Metadata": metadata("x" * 201)}, 400),
        ({"Upload-Metadata": metadata("ok", expires_in="0")}, 400),
        ({"Upload-Metadata": metadata("reserved")}, 409),  # another unfinished upload has it
        ({"Upload-Metadata": metadata(" stored ")}, 409),  # a stored file has it (trimmed)
    ]
    for change, status in cases:
        headers = {**TUS, **auth, "Upload-Length": "10", "Upload-Metadata": metadata(unique())}
        headers.update(change)
        headers = {k: v for k, v in headers.items() if v is not None}
        r = requests.post(server.url + "/uploads", headers=headers, timeout=10)
        assert r.status_code == status, (change, r.status_code, r.text)
        assert r.headers["Tus-Resumable"] == "1.0.0"
        assert "message" in r.json()
    # The first bytes in another media type: 415.
    r = create(server, auth, 10, unique(), body=b"abc", headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 415
    # Nothing of the refused creations is stored.
    (uploads,), = db_query(server.database, "SELECT COUNT(*) FROM tus_uploads")
    assert uploads == 1


def test_metadata_names_type_and_defaults(srv, sauth):
    description = unique()
    url = created(srv, sauth, 3, description, filename="../dir\\Résumé\u0007.pdf", filetype="application/pdf", other="x")
    r = head(url, sauth)
    assert r.status_code == 200
    assert r.headers["Upload-Metadata"] == metadata(description, "../dir\\Résumé\u0007.pdf", filetype="application/pdf", other="x")
    assert r.headers["Cache-Control"] == "no-store"
    assert patch(url, sauth, 0, b"pdf").status_code == 204
    record = stored(srv, sauth, description)
    assert (record["filename"], record["content_type"]) == ("Résumé.pdf", "application/pdf")
    # No file name: "upload"; no type: application/octet-stream.
    url = created(srv, sauth, 0, description + " 2", filename=None)
    record = stored(srv, sauth, description + " 2")
    assert (record["filename"], record["content_type"], record["size"]) == ("upload", "application/octet-stream", 0)


# MARK: Round trips


@pytest.mark.parametrize("piece, size", [(1, 700), (256 * KiB, 3 * MiB + 12_345), (MiB + MiB // 2, 5 * MiB + 7)])
def test_round_trip_in_patches(srv, sauth, piece, size):
    data = os.urandom(size)
    description = unique()
    url = created(srv, sauth, size, description)
    last = send_in_pieces(url, sauth, data, piece)
    record = assert_stored(srv, sauth, description, data)
    assert last.headers["Location"] == f"/files/{record['id']}"
    r = head(url, sauth)
    assert r.status_code == 200
    assert (r.headers["Upload-Offset"], r.headers["Upload-Length"]) == (str(size), str(size))
    assert r.headers["Location"] == f"/files/{record['id']}"


def test_creation_with_upload_and_an_empty_upload(srv, sauth):
    data = os.urandom(300 * KiB)
    description = unique()
    r = create(srv, sauth, len(data), description, body=data[:100 * KiB])
    assert r.status_code == 201
    assert r.headers["Upload-Offset"] == str(100 * KiB)
    url = srv.url + r.headers["Location"]
    send_in_pieces(url, sauth, data, 64 * KiB, start=100 * KiB)
    assert_stored(srv, sauth, description, data)

    # The whole file in the creation: the answer still names the upload.
    whole = unique()
    r = create(srv, sauth, 5, whole, body=b"whole")
    assert (r.status_code, r.headers["Upload-Offset"]) == (201, "5")
    assert r.headers["Location"].startswith("/uploads/")
    assert_stored(srv, sauth, whole, b"whole")

    empty = unique()
    r = create(srv, sauth, 0, empty)
    assert r.status_code == 201
    assert_stored(srv, sauth, empty, b"")
    r = head(srv.url + r.headers["Location"], sauth)
    assert (r.headers["Upload-Offset"], r.headers["Upload-Length"]) == ("0", "0")
    assert r.headers["Location"] == f"/files/{stored(srv, sauth, empty)['id']}"


# MARK: PATCH errors


def test_patch_errors_change_nothing(srv, sauth):
    data = os.urandom(2 * MiB)
    url = created(srv, sauth, len(data), unique())
    assert patch(url, sauth, 0, data[:MiB]).status_code == 204
    checks = [
        (patch(url, sauth, 10, data[10:20]), 409),
        (patch(url, sauth, MiB + 1, data[MiB + 1:MiB + 5]), 409),
        (patch(url, sauth, MiB, data[MiB:MiB + 10], headers={"Content-Type": "application/octet-stream"}), 415),
        (patch(url, sauth, MiB, data[MiB:] + b"x"), 413),
        (patch(url, sauth, MiB, data[MiB:MiB + 10], headers={"Upload-Checksum": sha1_header(b"other")}), 460),
        (patch(url, sauth, MiB, data[MiB:MiB + 10], headers={"Upload-Checksum": "md5 1B2M2Y8AsgTpgAmY7PhCfg=="}), 400),
        (patch(url, sauth, MiB, data[MiB:MiB + 10], headers={"Upload-Offset": "-5"}), 400),
        (patch(url, sauth, MiB, data[MiB:MiB + 10], headers={"Tus-Resumable": "2.0.0"}), 412),
        (patch(url.rsplit("/", 1)[0] + "/AAAAAAAAAAAAAAAAAAAAAA", sauth, 0, b"x"), 404),
    ]
    for response, status in checks:
        assert response.status_code == status, (status, response.status_code, response.text)
        assert response.headers["Tus-Resumable"] == "1.0.0"
    assert checks[4][0].reason == "Checksum Mismatch"
    assert offset_of(url, sauth) == MiB
    # A body past the length sent chunked (no Content-Length): 413 as soon as it passes, and
    # none of that request's bytes are kept.
    def chunked():
        yield data[MiB:]
        yield b"one too many"
    r = patch(url, sauth, MiB, chunked())
    assert r.status_code == 413
    assert offset_of(url, sauth) == MiB
    # A matching checksum is accepted.
    rest = data[MiB:]
    r = patch(url, sauth, MiB, rest, headers={"Upload-Checksum": sha1_header(rest)})
    assert r.status_code == 204 and "Location" in r.headers


def test_refused_requests_leave_a_kept_alive_connection_usable(srv, sauth):
    """Refusals decided after the body arrived (a taken description, a wrong offset) answer, and
    the same connection then serves the next request."""
    description = unique()
    with requests.Session() as session:
        url = created(srv, sauth, 10, description, session=session)
        assert create(srv, sauth, 10, description, session=session).status_code == 409
        assert patch(url, sauth, 3, b"abc", session=session).status_code == 409
        assert head(url, sauth, session=session).status_code == 200
        assert patch(url, sauth, 0, b"0123456789", session=session).status_code == 204
        assert session.get(srv.url + "/healthz", timeout=10).status_code == 200


def test_a_second_patch_while_one_runs_is_409(srv, sauth):
    data = os.urandom(2 * MiB)
    url = created(srv, sauth, len(data), unique())
    path = url[len(srv.url):]
    with raw_connect(srv) as sock:
        sock.sendall(raw_head("PATCH", path, {**TUS, **sauth, "Upload-Offset": "0", "Content-Type": BYTES,
                                               "Content-Length": str(len(data))}))
        sock.sendall(data[:MiB])
        time.sleep(0.3)
        r = patch(url, sauth, 0, b"x")
        assert r.status_code == 409, r.text
        sock.sendall(data[MiB:])
        status, headers, _ = read_response(sock)
        assert status == 204 and headers["upload-offset"] == str(len(data))


def test_another_users_upload_is_404(srv, sauth):
    result = srv.run_cli("user", "add", "bob", "--password-stdin", input="bob-password\n")
    assert result.returncode == 0, result.stderr
    bob = bearer(srv.login("bob", "bob-password"))
    url = created(srv, sauth, 10, unique())
    assert head(url, bob).status_code == 404
    assert patch(url, bob, 0, b"0123456789").status_code == 404
    assert requests.delete(url, headers={**TUS, **bob}, timeout=10).status_code == 404
    assert offset_of(url, sauth) == 0


# MARK: Cut off, killed, restarted


def test_patch_cut_off_mid_body_keeps_what_arrived_then_resumes(srv, sauth):
    data = os.urandom(5 * MiB)
    description = unique()
    url = created(srv, sauth, len(data), description)
    sent = 3 * MiB + 12_345
    with raw_connect(srv) as sock:
        sock.sendall(raw_head("PATCH", url[len(srv.url):], {**TUS, **sauth, "Upload-Offset": "0", "Content-Type": BYTES,
                                                            "Content-Length": str(len(data))}))
        sock.sendall(data[:sent])
    # The server notices the close, stores what arrived and releases the upload.
    deadline = time.monotonic() + 10
    while offset_of(url, sauth) != sent and time.monotonic() < deadline:
        time.sleep(0.05)
    assert offset_of(url, sauth) == sent
    while True:
        r = patch(url, sauth, sent, data[sent:])
        if r.status_code != 409 or time.monotonic() > deadline:  # 409 while the cut-off request is winding up
            break
        time.sleep(0.05)
    assert r.status_code == 204, r.text
    assert_stored(srv, sauth, description, data)


def test_kill_9_after_an_acknowledged_patch_loses_nothing(make_server):
    server = make_server()
    auth = bearer(server.login())
    data = os.urandom(4 * MiB + 99)
    description = unique()
    url = created(server, auth, len(data), description)
    path = url[len(server.url):]
    r = patch(url, auth, 0, data[:MiB + 7])
    assert r.status_code == 204
    server.kill()
    server.start()
    url = server.url + path
    assert offset_of(url, auth) == MiB + 7
    assert patch(url, auth, MiB + 7, data[MiB + 7:]).status_code == 204
    assert_stored(server, auth, description, data)


def test_an_unfinished_upload_survives_a_restart_and_keeps_its_description(make_server):
    server = make_server()
    auth = bearer(server.login())
    url = created(server, auth, 100, "kept across restarts")
    path = url[len(server.url):]
    assert patch(url, auth, 0, b"x" * 40).status_code == 204
    assert server.stop() == 0
    server.start()
    url = server.url + path
    assert offset_of(url, auth) == 40
    assert create(server, auth, 1, "kept across restarts").status_code == 409


# MARK: Space


def wait_until_reclaimed(server, timeout=30):
    """Waits for the background reclaim: no removed file rows left, no free pages."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        removed = db_query(server.database, "SELECT COUNT(*) FROM files WHERE complete = -1")
        free = db_query(server.database, "PRAGMA freelist_count")
        if removed == [(0,)] and free == [(0,)]:
            return
        time.sleep(0.1)
    raise AssertionError(f"space not reclaimed: {removed} removed rows, {free} free pages")


def test_termination_removes_the_bytes_and_gives_the_space_back(make_server):
    server = make_server()
    auth = bearer(server.login())
    baseline = db_size(server)
    url = created(server, auth, 64 * MiB, unique())
    assert patch(url, auth, 0, os.urandom(40 * MiB)).status_code == 204
    assert db_size(server) > baseline + 40 * MiB
    r = requests.delete(url, headers={**TUS, **auth}, timeout=30)
    assert r.status_code == 204 and r.headers["Tus-Resumable"] == "1.0.0"
    assert head(url, auth).status_code == 404
    wait_until_reclaimed(server)
    assert db_query(server.database, "SELECT COUNT(*) FROM chunks") == [(0,)]
    deadline = time.monotonic() + 30  # the WAL is cut back by the next checkpoint
    while db_size(server) >= baseline + 2 * MiB and time.monotonic() < deadline:
        time.sleep(0.2)
    assert db_size(server) < baseline + 2 * MiB
    # A finished upload: forgotten, its file kept.
    description = unique()
    url = created(server, auth, 3, description)
    assert patch(url, auth, 0, b"abc").status_code == 204
    assert requests.delete(url, headers={**TUS, **auth}, timeout=30).status_code == 204
    assert head(url, auth).status_code == 404
    assert_stored(server, auth, description, b"abc")


def test_expiry_makes_uploads_404_and_gives_the_space_back(make_server):
    server = make_server(args=["--resumable-ttl", "3"])
    auth = bearer(server.login())
    baseline = db_size(server)
    url = created(server, auth, 64 * MiB, "expires soon")
    assert patch(url, auth, 0, os.urandom(30 * MiB)).status_code == 204
    finished = created(server, auth, 1, "finished")
    assert patch(finished, auth, 0, b"f").status_code == 204
    assert db_size(server) > baseline + 30 * MiB
    deadline = time.monotonic() + 15
    while db_query(server.database, "SELECT COUNT(*) FROM tus_uploads") != [(0,)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert head(url, auth).status_code == 404
    assert head(finished, auth).status_code == 404
    assert db_query(server.database, "SELECT COUNT(*) FROM tus_uploads") == [(0,)]
    wait_until_reclaimed(server)
    assert db_query(server.database, "SELECT COUNT(*) FROM chunks") == [(1,)]  # the finished file's
    deadline = time.monotonic() + 30  # the WAL is cut back by the next checkpoint
    while db_size(server) >= baseline + 2 * MiB and time.monotonic() < deadline:
        time.sleep(0.2)
    assert db_size(server) < baseline + 2 * MiB
    assert "expired resumable upload(s)" in server.log_text()
    # The expired upload's description is free again; the finished file stays.
    assert create(server, auth, 1, "expires soon").status_code == 201
    assert [f["description"] for f in list_all(server, auth)] == ["finished"]


def test_256_kib_patches_take_no_more_space_than_one_request(make_server):
    size = 16 * MiB + 4321
    data = os.urandom(size)
    sizes = {}
    for way in ("one request", "256 KiB PATCHes"):
        server = make_server()
        auth = bearer(server.login())
        if way == "one request":
            upload_json(server, auth, data, description="same file")
        else:
            url = created(server, auth, size, "same file")
            send_in_pieces(url, auth, data, 256 * KiB)
        assert stored(server, auth, "same file")["sha256"] == hashlib.sha256(data).hexdigest()
        wait_until_reclaimed(server)  # pages freed by rewritten partial chunks go back
        assert server.stop() == 0  # checkpoints the WAL into the database file
        sizes[way] = os.path.getsize(server.database)
    ratio = sizes["256 KiB PATCHes"] / sizes["one request"]
    print(f"database size: one request {sizes['one request']} B, 256 KiB PATCHes {sizes['256 KiB PATCHes']} B, "
          f"ratio {ratio:.4f}")
    assert ratio <= 1.05


# MARK: A real tus client


def test_tuspy_uploads_and_resumes(srv, sauth, tmp_path):
    from tusclient import client as tusclient  # PyPI tuspy, installed by `make test-deps`
    data = os.urandom(5 * MiB + 3)
    path = tmp_path / "tuspy.bin"
    path.write_bytes(data)
    description = unique()
    client = tusclient.TusClient(srv.url + "/uploads", headers=sauth)
    uploader = client.uploader(str(path), chunk_size=MiB, metadata={"filename": "tuspy.bin", "description": description})
    uploader.upload_chunk()
    uploader.upload_chunk()
    assert offset_of(uploader.url, sauth) == 2 * MiB
    # A new client (another process, say) resumes the same upload from its URL.
    resumed = tusclient.TusClient(srv.url + "/uploads", headers=sauth).uploader(str(path), url=uploader.url, chunk_size=MiB)
    assert resumed.offset == 2 * MiB
    resumed.upload()
    assert_stored(srv, sauth, description, data, filename="tuspy.bin")
