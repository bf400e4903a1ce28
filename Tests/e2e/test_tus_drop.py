"""Resumable uploads through a drop link (SPEC "Sharing", drop links: tus at
/d/TOKEN/uploads), end to end against the built binary: a guest with no token at all uploads
and resumes through tus, the file is the drop's (`uploaded_by` = drop:LABEL, `drop_id`), the
link's statuses (unknown or revoked 404, expired 410) answer every request under it,
unfinished uploads count against `max_files` (403) and `max_bytes` (413) from their
creation, before any byte, and give their share back when terminated; the drop creator's
quota counts them (507). Uploads of one collection are 404 under any other.
"""

import hashlib
import os
import time

import requests

from filedrop_helpers import MiB, list_all, unique
from test_sharing import epoch, guest_upload, make_drop
from tus_helpers import BYTES, TUS, metadata, send_in_pieces


def drop_create(server, drop, length, description=None, body=None, headers=None, filename="guest.bin"):
    """A guest's POST /d/TOKEN/uploads (no session, no token)."""
    h = {**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(description or unique("guest"), filename)}
    if body is not None:
        h["Content-Type"] = BYTES
    h.update(headers or {})
    return requests.post(server.url + drop["url"] + "/uploads", headers=h, data=body, timeout=60)


def drop_created(server, drop, length, **kw):
    r = drop_create(server, drop, length, **kw)
    assert r.status_code == 201, (r.status_code, r.text)
    assert r.headers["Location"].startswith(drop["url"] + "/uploads/")
    return server.url + r.headers["Location"]


def drop_state(server, auth, drop):
    return next(d for d in requests.get(server.url + "/drops", headers=auth, timeout=30).json()["drops"]
                if d["id"] == drop["id"])


def test_tuspy_uploads_and_resumes_through_a_drop_link(srv, sauth, tmp_path):
    from tusclient import client as tusclient  # PyPI tuspy
    drop = make_drop(srv, sauth, label="Tus guests")
    data = os.urandom(3 * MiB + 5)
    path = tmp_path / "guest.bin"
    path.write_bytes(data)
    description = unique("tus guest")
    endpoint = srv.url + drop["url"] + "/uploads"
    # A bogus token is ignored, not refused: the link is the only credential here.
    client = tusclient.TusClient(endpoint, headers={"Authorization": "Bearer not-a-token"})
    uploader = client.uploader(str(path), chunk_size=MiB, metadata={"filename": "guest.bin", "description": description})
    uploader.upload_chunk()
    head = requests.head(uploader.url, headers=TUS, timeout=30)
    assert head.status_code == 200 and head.headers["Upload-Offset"] == str(MiB)
    assert head.headers["Referrer-Policy"] == "no-referrer" and head.headers["Tus-Resumable"] == "1.0.0"
    # Unfinished, it counts against the drop already.
    assert (drop_state(srv, sauth, drop)["files"], drop_state(srv, sauth, drop)["bytes"]) == (1, len(data))
    resumed = tusclient.TusClient(endpoint).uploader(str(path), url=uploader.url, chunk_size=MiB)
    assert resumed.offset == MiB
    resumed.upload()

    listed = next(x for x in list_all(srv, sauth) if x["description"] == description)
    assert listed["uploaded_by"] == "drop:Tus guests" and listed["drop_id"] == drop["id"]
    assert listed["size"] == len(data) and listed["sha256"] == hashlib.sha256(data).hexdigest()
    content = requests.get(f"{srv.url}/files/{listed['id']}/content", headers=sauth, timeout=60).content
    assert content == data
    assert (drop_state(srv, sauth, drop)["files"], drop_state(srv, sauth, drop)["bytes"]) == (1, len(data))
    # Finished: HEAD still answers, and a guest is not told where the stored file is.
    finished = requests.head(uploader.url, headers=TUS, timeout=30)
    assert finished.status_code == 200 and finished.headers["Upload-Offset"] == str(len(data))
    assert "Location" not in finished.headers


def test_a_guests_last_patch_names_no_file_and_creation_with_upload_works(srv, sauth):
    drop = make_drop(srv, sauth)
    data = os.urandom(300_000)
    url = drop_created(srv, drop, len(data))
    last = send_in_pieces(url, {}, data, 256 * 1024)
    assert last.headers["Upload-Offset"] == str(len(data)) and "Location" not in last.headers
    description = unique("in one go")
    r = drop_create(srv, drop, 5, description=description, body=b"hello")
    assert r.status_code == 201 and r.headers["Upload-Offset"] == "5"
    assert any(x["description"] == description and x["drop_id"] == drop["id"] for x in list_all(srv, sauth))


def test_unknown_revoked_and_expired_links(srv, sauth):
    unknown = "/d/" + "A" * 24 + "/uploads"  # well-formed, unknown: looked up, then 404
    for method in ("POST", "HEAD", "PATCH", "DELETE"):
        path = unknown if method == "POST" else unknown + "/" + "B" * 22
        headers = {**TUS, "Upload-Length": "1"} if method == "POST" else {**TUS, "Upload-Offset": "0", "Content-Type": BYTES}
        r = requests.request(method, srv.url + path, headers=headers, timeout=30)
        assert r.status_code == 404 and r.headers["Tus-Resumable"] == "1.0.0", (method, r.status_code)
    # OPTIONS says what the server offers, link or not.
    assert requests.options(srv.url + unknown, timeout=30).status_code == 204

    revoked = make_drop(srv, sauth)
    url = drop_created(srv, revoked, 10)
    assert requests.patch(url, headers={**TUS, "Upload-Offset": "0", "Content-Type": BYTES}, data=b"12345",
                          timeout=30).status_code == 204
    assert requests.delete(f"{srv.url}/drops/{revoked['id']}", headers=sauth, timeout=30).status_code == 204
    assert requests.head(url, headers=TUS, timeout=30).status_code == 404
    assert requests.patch(url, headers={**TUS, "Upload-Offset": "5", "Content-Type": BYTES}, data=b"67890",
                          timeout=30).status_code == 404
    assert drop_create(srv, revoked, 1).status_code == 404

    short = make_drop(srv, sauth, expires_in=2)
    url = drop_created(srv, short, 10)
    time.sleep(max(0, epoch(short["expires_at"]) - time.time()) + 1.1)
    assert drop_create(srv, short, 1).status_code == 410
    assert requests.head(url, headers=TUS, timeout=30).status_code == 410
    r = requests.patch(url, headers={**TUS, "Upload-Offset": "0", "Content-Type": BYTES}, data=b"1", timeout=30)
    assert r.status_code == 410 and r.headers["Tus-Resumable"] == "1.0.0"


def test_unfinished_uploads_count_against_max_files_from_their_creation(srv, sauth):
    drop = make_drop(srv, sauth, max_files=2)
    first = drop_created(srv, drop, 100)
    drop_created(srv, drop, 100)
    r = drop_create(srv, drop, 1)
    assert r.status_code == 403 and r.json()["message"]
    # The multipart route sees them too.
    assert guest_upload(srv, drop["url"], b"form").status_code == 403
    # Terminated, an unfinished upload gives its file back; a finished one would not.
    assert requests.delete(first, headers=TUS, timeout=30).status_code == 204
    assert drop_state(srv, sauth, drop)["files"] == 1
    assert drop_create(srv, drop, 0).status_code == 201
    assert drop_create(srv, drop, 0).status_code == 403


def test_unfinished_uploads_count_against_max_bytes_before_any_byte(srv, sauth):
    drop = make_drop(srv, sauth, max_bytes=1000)
    assert drop_create(srv, drop, 1001).status_code == 413
    url = drop_created(srv, drop, 600)
    r = drop_create(srv, drop, 401)
    assert r.status_code == 413 and r.json()["message"]
    assert drop_created(srv, drop, 400)
    assert drop_state(srv, sauth, drop)["bytes"] == 1000
    assert requests.delete(url, headers=TUS, timeout=30).status_code == 204
    assert drop_state(srv, sauth, drop)["bytes"] == 400
    assert drop_created(srv, drop, 600)


def test_collections_do_not_see_each_others_uploads(srv, sauth):
    one, other = make_drop(srv, sauth), make_drop(srv, sauth)
    url = drop_created(srv, one, 10)
    upload_id = url.rsplit("/", 1)[1]
    assert requests.head(f"{srv.url}{other['url']}/uploads/{upload_id}", headers=TUS, timeout=30).status_code == 404
    assert requests.head(f"{srv.url}/uploads/{upload_id}", headers={**TUS, **sauth}, timeout=30).status_code == 404
    mine = requests.post(srv.url + "/uploads", headers={**TUS, **sauth, "Upload-Length": "3",
                                                        "Upload-Metadata": metadata(unique())}, timeout=30)
    assert mine.status_code == 201
    mine_id = mine.headers["Location"].rsplit("/", 1)[1]
    assert requests.head(f"{srv.url}{one['url']}/uploads/{mine_id}", headers=TUS, timeout=30).status_code == 404
    assert requests.delete(f"{srv.url}{one['url']}/uploads/{mine_id}", headers=TUS, timeout=30).status_code == 404


def test_a_guests_upload_counts_against_the_drop_creators_quota(server, auth):
    result = server.run_cli("user", "quota", "admin", str(2 * MiB))
    assert result.returncode == 0, result.stderr
    drop = make_drop(server, auth)
    deadline = time.monotonic() + 5
    while (r := drop_create(server, drop, 2 * MiB + 1)).status_code != 507:
        assert r.status_code == 201 and time.monotonic() < deadline, r.status_code
        assert requests.delete(server.url + r.headers["Location"], headers=TUS, timeout=30).status_code == 204
        time.sleep(0.1)
    url = drop_created(server, drop, 2 * MiB - 10)
    assert drop_create(server, drop, 11).status_code == 507
    assert drop_created(server, drop, 10)
    # Terminated, it gives the creator's quota back at once.
    assert requests.delete(url, headers=TUS, timeout=30).status_code == 204
    assert drop_created(server, drop, 2 * MiB - 10)
