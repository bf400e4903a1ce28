"""End-to-end tests of the files API: `GET /files` (shape, limit, keyset paging),
`GET /files/ID`, `GET|HEAD /files/ID/content` (headers, ranges, conditional requests),
`DELETE /files/ID`, and the one shared space of all signed-in users."""

import base64
import hashlib
import json
import random
import re
import urllib.parse

import pytest
import requests

from filedrop_helpers import MiB, bearer, list_all, raw_exchange, unique, upload, upload_json


# MARK: Helpers


def get(server, path, auth, **kw):
    return requests.get(server.url + path, headers={**auth, **kw.pop("headers", {})}, timeout=60, **kw)


def list_page(server, auth, **params):
    r = get(server, "/files", auth, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def content_disposition_filename_star(value):
    """The decoded `filename*` of a Content-Disposition header (RFC 6266 / RFC 8187)."""
    m = re.search(r"filename\*\s*=\s*([^;]+)", value, re.IGNORECASE)
    assert m, value
    charset, _, rest = m.group(1).strip().partition("'")
    _, _, encoded = rest.partition("'")
    assert charset.lower() == "utf-8", value
    assert re.fullmatch(r"[A-Za-z0-9!#$&+\-.^_`|~%]*", encoded), f"not an RFC 8187 value-chars: {encoded!r}"
    return urllib.parse.unquote(encoded, encoding="utf-8", errors="strict")


# MARK: Fixtures (`srv` and `sauth`, one server for the module, are in conftest.py)


@pytest.fixture(scope="module")
def many(make_module_server):
    """A server holding 105 small files (more than the default page), for listing tests."""
    server = make_module_server()
    auth = bearer(server.login())
    ids = [upload_json(server, auth, f"content {i}".encode(), description=f"many {i:03d}", filename=f"m{i}.txt")["id"]
           for i in range(105)]
    return server, auth, ids


@pytest.fixture(scope="module")
def big(srv, sauth):
    """A 3 MiB + 4321 B file: three chunk boundaries inside it."""
    data = random.Random(42).randbytes(3 * MiB + 4321)
    rec = upload_json(srv, sauth, data, filename="big.bin", content_type="application/x-test")
    return rec, data


# MARK: GET /files


def test_list_shape(srv, sauth):
    a = upload_json(srv, sauth, b"a", filename="a.txt", content_type="text/plain")
    b = upload_json(srv, sauth, b"bb", filename="b.txt")
    r = get(srv, "/files", sauth)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"files", "next_cursor"}
    assert isinstance(body["files"], list)
    assert body["next_cursor"] is None
    ids = [f["id"] for f in body["files"]]
    assert ids.index(b["id"]) < ids.index(a["id"])  # newest first
    assert body["files"][0] == b
    for record in body["files"]:
        assert set(record) >= {"id", "description", "filename", "content_type", "size", "sha256", "created_at", "uploaded_by"}
        assert re.fullmatch(r"[0-9a-f]{64}", record["sha256"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", record["created_at"])


def test_list_requires_token(srv):
    r = requests.get(srv.url + "/files", timeout=10)
    assert r.status_code == 401
    assert r.json()["message"] == "Token missing"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = requests.get(srv.url + "/files", headers={"Authorization": "Bearer x.y.z"}, timeout=10)
    assert r.status_code == 401
    assert r.json()["message"] == "Invalid token"


def test_list_empty(make_server):
    server = make_server()
    auth = bearer(server.login())
    assert list_page(server, auth) == {"files": [], "next_cursor": None}


def test_default_limit_is_100(many):
    server, auth, ids = many
    page = list_page(server, auth)
    assert len(page["files"]) == 100
    assert [f["id"] for f in page["files"]] == ids[::-1][:100]
    assert page["next_cursor"]
    rest = list_page(server, auth, cursor=page["next_cursor"])
    assert [f["id"] for f in rest["files"]] == ids[::-1][100:]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize("limit", [1, 7, 104, 105, 106, 1000])
def test_limit(many, limit):
    server, auth, ids = many
    page = list_page(server, auth, limit=limit)
    assert [f["id"] for f in page["files"]] == ids[::-1][:limit]
    assert (page["next_cursor"] is None) == (limit >= len(ids))


@pytest.mark.parametrize("limit", ["0", "1001", "abc", "-1", "", "1.5", "1e2", "10x", "99999999999999999999999"])
def test_invalid_limit_is_400(many, limit):
    server, auth, _ = many
    r = get(server, f"/files?limit={urllib.parse.quote(limit)}", auth)
    assert r.status_code == 400, (limit, r.text)
    assert r.json()["message"]


@pytest.mark.parametrize("limit", [3, 10, 50])
def test_paging_until_null(many, limit):
    server, auth, ids = many
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        page = list_page(server, auth, **params)
        assert len(page["files"]) <= limit
        seen += [f["id"] for f in page["files"]]
        cursor = page["next_cursor"]
        pages += 1
        if cursor is None:
            break
        assert isinstance(cursor, str) and cursor
    assert seen == ids[::-1]
    assert pages == -(-len(ids) // limit)


def test_paging_stable_when_files_arrive(srv, sauth):
    # 13 files of its own: the one deleted between pages (the 13th newest) is always one of them.
    for i in range(13):
        upload_json(srv, sauth, b"p", description=unique(f"page {i}"))
    before = [f["id"] for f in list_all(srv, sauth)]
    first = list_page(srv, sauth, limit=5)
    assert [f["id"] for f in first["files"]] == before[:5]
    new = [upload_json(srv, sauth, b"new", description=unique("arrived"))["id"] for _ in range(3)]
    seen = [f["id"] for f in first["files"]]
    cursor = first["next_cursor"]
    while cursor is not None:
        page = list_page(srv, sauth, limit=5, cursor=cursor)
        seen += [f["id"] for f in page["files"]]
        cursor = page["next_cursor"]
        if len(seen) == 10:
            # A file deleted between pages does not shift the rest either.
            requests.delete(f"{srv.url}/files/{before[12]}", headers=sauth, timeout=10)
    expected = [i for i in before if i != before[12]]
    assert seen == expected
    assert not set(new) & set(seen)
    assert [f["id"] for f in list_page(srv, sauth, limit=3)["files"]] == new[::-1]


def test_cursor_kept_with_other_limit(many):
    server, auth, ids = many
    first = list_page(server, auth, limit=10)
    second = list_page(server, auth, limit=20, cursor=first["next_cursor"])
    assert [f["id"] for f in second["files"]] == ids[::-1][10:30]


def _forgeries(cursor):
    # A cursor that is valid but altered: flip a character in the middle and at the end.
    def flip(text, i):
        c = text[i]
        return text[:i] + ("A" if c != "A" else "B") + text[i + 1:]
    yield "abc"
    yield "!!!"
    yield "..."
    yield "a.b"
    yield cursor + "x"
    yield cursor[:-1]
    yield flip(cursor, cursor.index(".") + 8 if "." in cursor else len(cursor) // 2)
    yield flip(cursor, 0)
    yield flip(cursor, len(cursor) - 1)
    yield base64.urlsafe_b64encode(b"99999999999999.1").decode().rstrip("=")
    yield base64.urlsafe_b64encode(b'{"id": 1}').decode()
    yield "%00" * 3
    yield "\u00e9t\u00e9"
    yield "x" * 5000


def test_forged_cursor_is_400(many):
    server, auth, _ = many
    cursor = list_page(server, auth, limit=5)["next_cursor"]
    for forged in _forgeries(cursor):
        if forged == cursor:
            continue
        r = get(server, "/files", auth, params={"cursor": forged, "limit": 5})
        assert r.status_code == 400, (forged, r.status_code, r.text)
        assert r.json()["message"]
    r = get(server, "/files?cursor=", auth)
    assert r.status_code == 400


def test_cursor_from_another_server_is_400(many, srv, sauth):
    server, auth, _ = many
    for i in range(3):
        upload_json(srv, sauth, b"x")
    other = list_page(srv, sauth, limit=1)["next_cursor"]
    assert other
    assert get(server, "/files", auth, params={"cursor": other}).status_code == 400


# MARK: GET /files/ID


def test_record(srv, sauth):
    rec = upload_json(srv, sauth, b"record me", filename="r.txt", content_type="text/plain")
    r = get(srv, f"/files/{rec['id']}", sauth)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == rec
    assert rec["sha256"] == hashlib.sha256(b"record me").hexdigest()
    assert rec["size"] == 9
    assert rec["uploaded_by"] == "admin"
    assert rec in list_all(srv, sauth)


@pytest.mark.parametrize("path", ["/files/999999", "/files/0", "/files/999999/content", "/files/9223372036854775807"])
def test_unknown_id_404(srv, sauth, path):
    r = get(srv, path, sauth)
    assert r.status_code == 404
    assert r.json()["message"]


# MARK: Downloads


def test_download_headers(srv, sauth):
    data = b"%PDF-1.4 not really"
    rec = upload_json(srv, sauth, data, filename="report.pdf", content_type="application/pdf")
    r = get(srv, f"/files/{rec['id']}/content", sauth)
    assert r.status_code == 200
    assert r.content == data
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Length"] == str(len(data))
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Accept-Ranges"] == "bytes"
    disposition = r.headers["Content-Disposition"]
    assert disposition.lower().startswith("attachment")
    assert content_disposition_filename_star(disposition) == "report.pdf"
    assert re.search(r'filename="report\.pdf"', disposition)
    etag = r.headers["ETag"]
    assert re.fullmatch(r'(W/)?"[^"]+"', etag), etag
    assert r.headers.get("Content-Security-Policy", "").startswith("sandbox")


@pytest.mark.parametrize("name", [
    "résumé 2024 – final.pdf",
    "日本語のファイル.txt",
    "emoji 😀🎉.png",
    'quote " semi;comma,.txt',
    "percent %41 %zz.txt",
    "spaces   and\ttab.txt",
    "a=b&c'd*e.txt",
])
def test_unicode_filename_round_trip(srv, sauth, name):
    cleaned = name.replace("\t", "")
    rec = upload_json(srv, sauth, b"u", filename="fallback.bin",
                 filename_star="UTF-8''" + urllib.parse.quote(name, safe=""))
    assert rec["filename"] == cleaned
    r = get(srv, f"/files/{rec['id']}/content", sauth)
    disposition = r.headers["Content-Disposition"]
    assert disposition.lower().startswith("attachment")
    assert content_disposition_filename_star(disposition) == cleaned
    # The plain `filename` fallback is a quoted ASCII string that cannot break the header.
    m = re.search(r'filename="((?:[^"\\]|\\.)*)"', disposition)
    assert m, disposition
    assert all(32 <= ord(c) < 127 for c in m.group(1))


def test_raw_utf8_filename_round_trip(srv, sauth):
    name = "Überweisung März €.txt"
    rec = upload_json(srv, sauth, b"u", filename=name)
    assert rec["filename"] == name
    r = get(srv, f"/files/{rec['id']}/content", sauth)
    assert content_disposition_filename_star(r.headers["Content-Disposition"]) == name


def test_html_is_not_served_inline(srv, sauth):
    rec = upload_json(srv, sauth, b"<script>alert(1)</script>", filename="x.html", content_type="text/html")
    r = get(srv, f"/files/{rec['id']}/content", sauth)
    assert r.headers["Content-Disposition"].lower().startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_download_with_token_query_parameter(srv, sauth):
    rec = upload_json(srv, sauth, b"via query")
    token = sauth["Authorization"].split()[1]
    r = requests.get(f"{srv.url}/files/{rec['id']}/content", params={"token": token}, timeout=10)
    assert (r.status_code, r.content) == (200, b"via query")
    assert requests.get(f"{srv.url}/files/{rec['id']}/content", timeout=10).status_code == 401


def test_head(srv, sauth, big):
    rec, data = big
    h = requests.head(f"{srv.url}/files/{rec['id']}/content", headers=sauth, timeout=10)
    g = get(srv, f"/files/{rec['id']}/content", sauth)
    assert h.status_code == 200
    assert h.content == b""
    assert h.headers["Content-Length"] == str(len(data))
    for name in ("Content-Type", "Content-Disposition", "ETag", "Accept-Ranges", "X-Content-Type-Options"):
        assert h.headers[name] == g.headers[name], name
    # On the wire: no body after the HEAD answer, and the connection stays usable.
    token = sauth["Authorization"]
    req = (f"HEAD /files/{rec['id']}/content HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\n\r\n"
           f"GET /files/{rec['id']} HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n")
    (s1, h1, b1), (s2, h2, b2) = raw_exchange(srv, req.encode(), responses=2)
    assert (s1, b1, h1["content-length"]) == (200, b"", str(len(data)))
    assert s2 == 200 and json.loads(b2) == rec


def test_head_record_and_list(srv, sauth, big):
    rec, _ = big
    for path in (f"/files/{rec['id']}", "/files"):
        r = requests.head(srv.url + path, headers=sauth, timeout=10)
        assert r.status_code == 200
        assert r.content == b""


def test_head_range(srv, sauth, big):
    rec, data = big
    r = requests.head(f"{srv.url}/files/{rec['id']}/content", headers={**sauth, "Range": "bytes=10-19"}, timeout=10)
    assert r.status_code == 206
    assert r.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert r.headers["Content-Length"] == "10"


def test_download_large_streamed(srv, sauth, big):
    rec, data = big
    with requests.get(f"{srv.url}/files/{rec['id']}/content", headers=sauth, stream=True, timeout=30) as r:
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "application/x-test"
        digest = hashlib.sha256()
        for piece in r.iter_content(65536):
            digest.update(piece)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest() == rec["sha256"]


def _ranges(size):
    # (Range header value, first, last) — last inclusive.
    return [
        ("bytes=0-0", 0, 0),
        (f"bytes={size - 1}-{size - 1}", size - 1, size - 1),
        ("bytes=-1", size - 1, size - 1),
        ("bytes=-500", size - 500, size - 1),
        (f"bytes=-{size + 1000}", 0, size - 1),
        (f"bytes={size - 100}-", size - 100, size - 1),
        ("bytes=0-", 0, size - 1),
        ("bytes=1048000-1049000", 1048000, 1049000),  # crosses the first 1 MiB boundary
        (f"bytes={MiB - 1}-{2 * MiB}", MiB - 1, 2 * MiB),  # crosses two boundaries
        (f"bytes={MiB}-{2 * MiB - 1}", MiB, 2 * MiB - 1),  # exactly the second MiB
        (f"bytes={MiB - 10}-{3 * MiB + 10}", MiB - 10, 3 * MiB + 10),  # into the last, short, chunk
        (f"bytes={size - 10}-{size + 100}", size - 10, size - 1),  # last past the end: cut
        ("bytes=100-199", 100, 199),
        ("bytes=5-9", 5, 9),
    ]


def test_ranges(srv, sauth, big):
    rec, data = big
    size = len(data)
    etag = requests.head(f"{srv.url}/files/{rec['id']}/content", headers=sauth, timeout=10).headers["ETag"]
    for header, first, last in _ranges(size):
        r = get(srv, f"/files/{rec['id']}/content", sauth, headers={"Range": header})
        assert r.status_code == 206, (header, r.status_code)
        assert r.headers["Content-Range"] == f"bytes {first}-{last}/{size}", header
        assert r.headers["Content-Length"] == str(last - first + 1), header
        assert r.content == data[first:last + 1], header
        assert r.headers["Content-Type"] == "application/x-test"
        assert r.headers["Accept-Ranges"] == "bytes"
        assert r.headers["ETag"] == etag


@pytest.mark.parametrize("header", ["bytes=SIZE-", "bytes=SIZE-SIZE", "bytes=SIZE5-SIZE9", "bytes=99999999999-",
                                    "bytes=-0"])
def test_unsatisfiable_range_416(srv, sauth, big, header):
    rec, data = big
    size = len(data)
    header = header.replace("SIZE", str(size))
    r = get(srv, f"/files/{rec['id']}/content", sauth, headers={"Range": header})
    assert r.status_code == 416, (header, r.status_code)
    assert r.headers["Content-Range"] == f"bytes */{size}"


def test_range_on_empty_file_416(srv, sauth):
    rec = upload_json(srv, sauth, b"", filename="empty")
    r = get(srv, f"/files/{rec['id']}/content", sauth, headers={"Range": "bytes=0-0"})
    assert r.status_code == 416
    assert r.headers["Content-Range"] == "bytes */0"
    r = get(srv, f"/files/{rec['id']}/content", sauth)
    assert (r.status_code, r.content, r.headers["Content-Length"]) == (200, b"", "0")


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "items=0-5", "bytes=5-1", "bytes=abc", "bytes=--5"])
def test_unsupported_or_invalid_range_gives_whole_file(srv, sauth, big, header):
    rec, data = big
    r = get(srv, f"/files/{rec['id']}/content", sauth, headers={"Range": header})
    assert r.status_code == 200, header
    assert len(r.content) == len(data)


def test_if_none_match_304(srv, sauth, big):
    rec, data = big
    etag = requests.head(f"{srv.url}/files/{rec['id']}/content", headers=sauth, timeout=10).headers["ETag"]
    for value in (etag, f'"other", {etag}', "*", "W/" + etag if not etag.startswith("W/") else etag):
        r = get(srv, f"/files/{rec['id']}/content", sauth, headers={"If-None-Match": value})
        assert r.status_code == 304, value
        assert r.content == b""
        assert r.headers["ETag"] == etag
    r = get(srv, f"/files/{rec['id']}/content", sauth, headers={"If-None-Match": '"something-else"'})
    assert r.status_code == 200
    assert len(r.content) == len(data)
    # On the wire a 304 has no body, and the connection carries on.
    token = sauth["Authorization"]
    req = (f"GET /files/{rec['id']}/content HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\nIf-None-Match: {etag}\r\n\r\n"
           f"GET /files/{rec['id']} HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n")
    (s1, _, b1), (s2, _, b2) = raw_exchange(srv, req.encode(), responses=2)
    assert (s1, b1, s2) == (304, b"", 200)


def test_etag_differs_by_content(srv, sauth):
    a = upload_json(srv, sauth, b"content A")
    b = upload_json(srv, sauth, b"content B")
    ea = get(srv, f"/files/{a['id']}/content", sauth).headers["ETag"]
    eb = get(srv, f"/files/{b['id']}/content", sauth).headers["ETag"]
    assert ea != eb


def test_if_range(srv, sauth, big):
    rec, data = big
    etag = requests.head(f"{srv.url}/files/{rec['id']}/content", headers=sauth, timeout=10).headers["ETag"]
    r = get(srv, f"/files/{rec['id']}/content", sauth, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert (r.status_code, r.content) == (206, data[:10])
    r = get(srv, f"/files/{rec['id']}/content", sauth, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert r.status_code == 200 and len(r.content) == len(data)


# MARK: DELETE


def test_delete(srv, sauth):
    rec = upload_json(srv, sauth, b"delete me" * 1000)
    r = requests.delete(f"{srv.url}/files/{rec['id']}", headers=sauth, timeout=10)
    assert r.status_code == 204
    assert r.content == b""
    assert get(srv, f"/files/{rec['id']}", sauth).status_code == 404
    assert get(srv, f"/files/{rec['id']}/content", sauth).status_code == 404
    assert requests.head(f"{srv.url}/files/{rec['id']}/content", headers=sauth, timeout=10).status_code == 404
    assert rec["id"] not in [f["id"] for f in list_all(srv, sauth)]
    r = requests.delete(f"{srv.url}/files/{rec['id']}", headers=sauth, timeout=10)
    assert r.status_code == 404
    assert r.json()["message"]


def test_delete_unknown_404(srv, sauth):
    r = requests.delete(f"{srv.url}/files/987654321", headers=sauth, timeout=10)
    assert r.status_code == 404
    assert requests.delete(f"{srv.url}/files/abc", headers=sauth, timeout=10).status_code == 404


def test_delete_requires_token(srv, sauth):
    rec = upload_json(srv, sauth, b"keep")
    r = requests.delete(f"{srv.url}/files/{rec['id']}", timeout=10)
    assert r.status_code == 401
    assert get(srv, f"/files/{rec['id']}", sauth).status_code == 200


def test_delete_large_then_others_intact(srv, sauth, big):
    rec, data = big
    other = upload_json(srv, sauth, random.Random(5).randbytes(2 * MiB + 1))
    assert requests.delete(f"{srv.url}/files/{other['id']}", headers=sauth, timeout=10).status_code == 204
    r = get(srv, f"/files/{rec['id']}/content", sauth)
    assert hashlib.sha256(r.content).hexdigest() == rec["sha256"]


# MARK: One shared space


def test_users_share_files(srv, sauth):
    result = srv.run_cli("user", "add", "bob", "--password-stdin", input="pw\n")
    assert result.returncode == 0, result.stderr
    # At once: a login reads the account from the database, not from the snapshot of accounts
    # that the running server refreshes twice a second.
    bob = bearer(srv.login("bob", "pw"))
    mine = upload_json(srv, sauth, b"admin's file", description=unique("admin"))
    his = upload_json(srv, bob, b"bob's file", description=unique("bob"))
    assert mine["uploaded_by"] == "admin"
    assert his["uploaded_by"] == "bob"
    for auth in (sauth, bob):
        ids = [f["id"] for f in list_all(srv, auth)]
        assert mine["id"] in ids and his["id"] in ids
        assert ids == [f["id"] for f in list_all(srv, sauth)]
    assert get(srv, f"/files/{his['id']}", sauth).json() == his
    assert get(srv, f"/files/{mine['id']}/content", bob).content == b"admin's file"
    assert get(srv, f"/files/{his['id']}/content", sauth).content == b"bob's file"
    # A description is unique across users too.
    r = upload(srv, bob, b"x", description=mine["description"], filename="x", content_type=None, timeout=10)
    assert r.status_code == 409
    # Each deletes the other's file.
    assert requests.delete(f"{srv.url}/files/{mine['id']}", headers=bob, timeout=10).status_code == 204
    assert requests.delete(f"{srv.url}/files/{his['id']}", headers=sauth, timeout=10).status_code == 204
    assert get(srv, f"/files/{mine['id']}", sauth).status_code == 404
    assert get(srv, f"/files/{his['id']}", bob).status_code == 404
