"""End-to-end tests of `POST /upload` (SPEC "Uploads", the upload row of "HTTP API").

Everything goes over a real socket to the built binary: `requests` for ordinary requests,
`http.client` for streamed and chunked bodies, raw sockets where the test has to see *when*
the server answers (before the body, or as soon as a chunked body passes the limit).
"""

import hashlib
import http.client
import json
import random
import re
import select
import socket
import sqlite3
import time
import urllib.parse
import uuid

import pytest
import requests

from conftest import Server
from filedrop_helpers import pseudo_random, list_all

KiB = 1 << 10
MiB = 1 << 20
BOUNDARY = "----FileDropTestBoundary7MA4YWxkTrZu0gW"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
LIMIT = 100_000  # --max-upload-size of the `limited` server


# MARK: Helpers


def unique(prefix="file"):
    return f"{prefix} {uuid.uuid4().hex}"




def quote_param(value):
    """A quoted-string value as a browser writes it (HTML: `"` → %22, CR/LF percent-encoded)."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    return b'"' + value.replace(b'"', b"%22").replace(b"\r", b"%0D").replace(b"\n", b"%0A") + b'"'


def part_head(name, filename=None, filename_star=None, content_type=None, disposition=None):
    """One part's header block (with the empty line that ends it)."""
    if disposition is None:
        disposition = b"form-data; name=" + quote_param(name)
        if filename is not None:
            disposition += b"; filename=" + quote_param(filename)
        if filename_star is not None:
            disposition += b"; filename*=" + filename_star.encode("ascii")
    head = b"Content-Disposition: " + disposition + b"\r\n"
    if content_type is not None:
        head += b"Content-Type: " + content_type.encode("latin-1") + b"\r\n"
    return head + b"\r\n"


def file_part(data=b"", filename="file.bin", content_type="application/octet-stream", **kw):
    return part_head("inputFile", filename=filename, content_type=content_type, **kw) + data


def text_part(name, value):
    if isinstance(value, str):
        value = value.encode("utf-8")
    return part_head(name) + value


def multipart(*parts, boundary=BOUNDARY, close=True):
    """A multipart/form-data body made of already-built parts (head + data)."""
    b = boundary.encode()
    body = b"".join(b"--" + b + b"\r\n" + p + b"\r\n" for p in parts)
    if close:
        body += b"--" + b + b"--\r\n"
    return body


def multipart_type(boundary=BOUNDARY):
    return f"multipart/form-data; boundary={boundary}"


def post_body(server, body, headers=None, content_type=None):
    """POSTs a prepared body to /upload with Content-Length."""
    h = {"Content-Type": content_type or multipart_type()}
    h.update(headers or {})
    return requests.post(server.url + "/upload", data=body, headers=h, timeout=60)


def upload(server, auth, data, description=None, filename="file.bin",
           content_type="application/octet-stream", accept=None, **part_kw):
    description = unique() if description is None else description
    body = multipart(text_part("description", description),
                     file_part(data, filename=filename, content_type=content_type, **part_kw))
    headers = dict(auth)
    if accept is not None:
        headers["Accept"] = accept
    return post_body(server, body, headers)


def upload_json(server, auth, data, **kw):
    r = upload(server, auth, data, accept="application/json", **kw)
    assert r.status_code == 201, (r.status_code, r.text)
    return r.json()


def host_port(server):
    u = urllib.parse.urlsplit(server.url)
    return u.hostname, u.port


def stream_request(server, path, headers, pieces, length=None, method="POST", timeout=300):
    """Sends a request whose body comes from `pieces` (an iterable of bytes): with
    `Content-Length: length`, or chunked when `length` is None. Returns (status, headers, body)."""
    host, port = host_port(server)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        if length is None:
            conn.putheader("Transfer-Encoding", "chunked")
        else:
            conn.putheader("Content-Length", str(length))
        conn.endheaders()
        sent = 0
        for piece in pieces:
            if not piece:
                continue
            if length is None:
                conn.send(b"%x\r\n" % len(piece))
                conn.send(piece)
                conn.send(b"\r\n")
            else:
                conn.send(piece)
            sent += len(piece)
        if length is None:
            conn.send(b"0\r\n\r\n")
        else:
            assert sent == length, (sent, length)
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def stream_upload(server, auth, data_pieces, size, description=None, filename="big.bin",
                  chunked=False, accept="application/json"):
    """Uploads a file given as pieces, without building it in memory; returns (status, headers,
    body, sha256 of what was sent)."""
    description = unique() if description is None else description
    prefix = multipart(text_part("description", description), close=False)
    prefix += b"--" + BOUNDARY.encode() + b"\r\n" + part_head(
        "inputFile", filename=filename, content_type="application/octet-stream")
    suffix = b"\r\n--" + BOUNDARY.encode() + b"--\r\n"
    digest = hashlib.sha256()

    def pieces():
        yield prefix
        for piece in data_pieces:
            digest.update(piece)
            yield piece
        yield suffix

    headers = {"Content-Type": multipart_type(), "Accept": accept, **auth}
    length = None if chunked else len(prefix) + size + len(suffix)
    status, resp_headers, body = stream_request(server, "/upload", headers, pieces(), length=length)
    return status, resp_headers, body, digest.hexdigest()


def download_sha256(server, auth, file_id):
    """Streams GET /files/ID/content; returns (sha256 hex, byte count, response)."""
    digest = hashlib.sha256()
    count = 0
    with requests.get(f"{server.url}/files/{file_id}/content", headers=auth, stream=True, timeout=120) as r:
        assert r.status_code == 200, r.status_code
        for piece in r.iter_content(MiB):
            digest.update(piece)
            count += len(piece)
    return digest.hexdigest(), count, r




def db_rows(server, sql):
    """Runs a query on the server's database through a read-only connection."""
    con = sqlite3.connect(f"file:{server.database}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def storage_state(server):
    """(number of rows in files, number of chunk rows, bytes in chunk rows)."""
    (files,), = db_rows(server, "SELECT COUNT(*) FROM files")
    (chunks, chunk_bytes), = db_rows(server, "SELECT COUNT(*), COALESCE(SUM(LENGTH(data)), 0) FROM chunks")
    return files, chunks, chunk_bytes


def incomplete_rows(server):
    """Rows of uploads in progress (0) or of aborted and deleted files whose chunks the
    background reclaim has yet to free (-1)."""
    (count,), = db_rows(server, "SELECT COUNT(*) FROM files WHERE complete != 1")
    return count


def settled_state(server, timeout=10.0):
    """`storage_state` once no upload is in progress or being cleaned up: no incomplete row,
    and nothing changing for 100 ms. (A 400 may go out while the refused upload's rows are
    still being written and removed on the storage thread.)"""
    deadline = time.monotonic() + timeout
    while True:
        first = (storage_state(server), incomplete_rows(server))
        time.sleep(0.1)
        second = (storage_state(server), incomplete_rows(server))
        if (first == second and second[1] == 0) or time.monotonic() > deadline:
            return second[0]


def assert_nothing_left(server, auth, listed_before, state_before):
    """Nothing of a refused or cut-off upload is visible or left in the database."""
    state = settled_state(server)
    assert state == state_before, f"database rows (files, chunks, chunk bytes) {state_before} -> {state}"
    assert incomplete_rows(server) == 0
    assert list_all(server, auth) == listed_before


def raw_connect(server, timeout=10):
    return socket.create_connection(host_port(server), timeout=timeout)


def raw_head(method, path, headers):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {'127.0.0.1'}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_response(sock, timeout=10, with_body=True):
    """Reads one response head (and its Content-Length body) from a raw socket; returns
    (status, lowercase headers, body). Interim 1xx responses are returned like any other."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            raise ConnectionError(f"connection closed before a response head; got {data!r}")
        data += piece
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if with_body and status >= 200:
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            piece = sock.recv(65536)
            if not piece:
                break
            rest += piece
    return status, headers, rest


def closes_soon(sock, timeout=5):
    """True when the server closes the connection (EOF or reset) within `timeout` seconds."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def assert_record(rec, *, data, description, filename, content_type="application/octet-stream", user="admin"):
    assert set(rec) >= {"id", "description", "filename", "content_type", "size", "sha256", "created_at", "uploaded_by"}
    assert isinstance(rec["id"], int) and not isinstance(rec["id"], bool)
    assert rec["description"] == description
    assert rec["filename"] == filename
    assert rec["content_type"] == content_type
    assert rec["size"] == len(data)
    assert rec["sha256"] == hashlib.sha256(data).hexdigest()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", rec["created_at"]), rec["created_at"]
    assert rec["uploaded_by"] == user


# MARK: Fixtures


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    """One server shared by the tests of this module that only add files."""
    server = Server(tmp_path_factory.mktemp("uploads")).start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def sauth(srv):
    return {"Authorization": f"Bearer {srv.login()}"}


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("limited"), args=["--max-upload-size", str(LIMIT)]).start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def lauth(limited):
    return {"Authorization": f"Bearer {limited.login()}"}


# MARK: Byte-exact round trips


@pytest.mark.parametrize("size", [0, 1, MiB], ids=["0B", "1B", "1MiB"])
def test_round_trip(srv, sauth, size):
    data = b"".join(pseudo_random(size, seed=size))
    description = unique("round trip")
    rec = upload_json(srv, sauth, data, description=description, filename=f"rt-{size}.bin")
    assert_record(rec, data=data, description=description, filename=f"rt-{size}.bin")
    r = requests.get(f"{srv.url}/files/{rec['id']}/content", headers=sauth, timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Length"] == str(size)
    assert hashlib.sha256(r.content).hexdigest() == hashlib.sha256(data).hexdigest()
    assert r.content == data


def test_round_trip_100mib_streamed(srv, sauth):
    size = 100 * MiB
    status, headers, body, sent_sha = stream_upload(srv, sauth, pseudo_random(size, seed=100), size)
    assert status == 201, body[:500]
    rec = json.loads(body)
    assert rec["size"] == size
    assert rec["sha256"] == sent_sha
    assert headers["Location"] == f"/files/{rec['id']}"
    got_sha, count, r = download_sha256(srv, sauth, rec["id"])
    assert count == size
    assert got_sha == sent_sha
    assert sent_sha in r.headers["ETag"]


def test_chunked_transfer_encoding_upload(srv, sauth):
    # Chunks of awkward sizes, so chunk edges fall everywhere, also inside the boundary.
    size = 3 * MiB + 12345
    data = b"".join(pseudo_random(size, seed=7))
    description = unique("chunked")
    body = multipart(text_part("description", description), file_part(data, filename="chunked.bin"))
    sizes = [1, 2, 3, 5, 7, 4093, 65537, 1 << 20, 999_983]
    pieces, offset, i = [], 0, 0
    while offset < len(body):
        n = sizes[i % len(sizes)]
        pieces.append(body[offset:offset + n])
        offset += n
        i += 1
    status, headers, resp = stream_request(
        srv, "/upload", {"Content-Type": multipart_type(), "Accept": "application/json", **sauth}, pieces)
    assert status == 201, resp[:500]
    rec = json.loads(resp)
    assert_record(rec, data=data, description=description, filename="chunked.bin")
    got_sha, count, _ = download_sha256(srv, sauth, rec["id"])
    assert (got_sha, count) == (hashlib.sha256(data).hexdigest(), size)


def test_chunked_100mib_upload(srv, sauth):
    size = 100 * MiB
    status, _, body, sent_sha = stream_upload(srv, sauth, pseudo_random(size, seed=101, piece=300_001), size, chunked=True)
    assert status == 201, body[:500]
    rec = json.loads(body)
    assert (rec["size"], rec["sha256"]) == (size, sent_sha)
    assert download_sha256(srv, sauth, rec["id"])[:2] == (sent_sha, size)


def test_expect_100_continue_upload(srv, sauth):
    data = b"x" * 5000
    description = unique("expect")
    body = multipart(text_part("description", description), file_part(data, filename="e.txt"))
    with raw_connect(srv) as sock:
        sock.sendall(raw_head("POST", "/upload", {
            "Content-Type": multipart_type(), "Content-Length": len(body), "Expect": "100-continue",
            "Accept": "application/json", **sauth}))
        status, _, _ = read_response(sock)
        assert status == 100
        sock.sendall(body)
        status, headers, resp = read_response(sock)
    assert status == 201, resp
    assert_record(json.loads(resp), data=data, description=description, filename="e.txt")


# MARK: Answers


def test_text_answer(srv, sauth):
    description = unique("text answer")
    r = upload(srv, sauth, b"hello", description=description, filename="hello.txt", accept="*/*")
    assert r.status_code == 201
    assert r.text == "file hello.txt uploaded successfully"
    assert r.headers["Content-Type"].startswith("text/plain")
    assert "charset=utf-8" in r.headers["Content-Type"].lower()
    m = re.fullmatch(r"/files/(\d+)", r.headers["Location"])
    assert m, r.headers["Location"]
    rec = requests.get(srv.url + r.headers["Location"], headers=sauth, timeout=10).json()
    assert rec["id"] == int(m.group(1))
    assert_record(rec, data=b"hello", description=description, filename="hello.txt")


def test_text_answer_without_accept(srv, sauth):
    body = multipart(text_part("description", unique()), file_part(b"abc", filename="noaccept.txt"))
    with raw_connect(srv) as sock:
        sock.sendall(raw_head("POST", "/upload", {
            "Content-Type": multipart_type(), "Content-Length": len(body), **sauth}) + body)
        status, headers, resp = read_response(sock)
    assert status == 201
    assert resp == b"file noaccept.txt uploaded successfully"
    assert re.fullmatch(r"/files/\d+", headers["location"])


@pytest.mark.parametrize("accept", ["application/json", "application/json, text/plain;q=0.5", "text/*;q=0.1, application/json"])
def test_json_answer(srv, sauth, accept):
    data = b"json answer \x00\xff"
    description = unique("json")
    r = upload(srv, sauth, data, description=description, filename="j.bin", content_type="image/png", accept=accept)
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    rec = r.json()
    assert_record(rec, data=data, description=description, filename="j.bin", content_type="image/png")
    assert r.headers["Location"] == f"/files/{rec['id']}"
    assert requests.get(srv.url + f"/files/{rec['id']}", headers=sauth, timeout=10).json() == rec


@pytest.mark.parametrize("accept", ["text/plain, application/json;q=0.5", "*/*"])
def test_text_preferred_over_json(srv, sauth, accept):
    r = upload(srv, sauth, b"t", filename="pref.txt", accept=accept)
    assert r.status_code == 201
    assert r.text == "file pref.txt uploaded successfully"


def test_created_at_is_now_and_newest_first(srv, sauth):
    first = upload_json(srv, sauth, b"1")
    second = upload_json(srv, sauth, b"2")
    listed = requests.get(srv.url + "/files?limit=2", headers=sauth, timeout=10).json()["files"]
    assert [f["id"] for f in listed] == [second["id"], first["id"]]
    assert second["id"] > first["id"]


# MARK: The file part


def test_no_input_file_part(srv, sauth):
    before, state = list_all(srv, sauth), settled_state(srv)
    r = post_body(srv, multipart(text_part("description", unique())), sauth)
    assert r.status_code == 400, r.text
    assert r.json()["message"]
    # A file under another field name is not the file either.
    r = post_body(srv, multipart(text_part("description", unique()),
                                 part_head("file", filename="a.txt") + b"data"), sauth)
    assert r.status_code == 400, r.text
    assert_nothing_left(srv, sauth, before, state)


def test_browser_empty_choice(srv, sauth):
    """A form submitted without choosing a file: filename="" and no bytes."""
    before, state = list_all(srv, sauth), settled_state(srv)
    r = post_body(srv, multipart(text_part("description", unique()),
                                 file_part(b"", filename="", content_type="application/octet-stream")), sauth)
    assert r.status_code == 400, r.text
    assert_nothing_left(srv, sauth, before, state)


def test_zero_byte_named_file(srv, sauth):
    description = unique("empty")
    rec = upload_json(srv, sauth, b"", description=description, filename="empty.txt", content_type="text/plain")
    assert_record(rec, data=b"", description=description, filename="empty.txt", content_type="text/plain")
    assert rec["sha256"] == EMPTY_SHA256
    r = requests.get(f"{srv.url}/files/{rec['id']}/content", headers=sauth, timeout=10)
    assert (r.status_code, r.content) == (200, b"")


def test_empty_filename_with_bytes_is_named_upload(srv, sauth):
    r = upload(srv, sauth, b"some bytes", filename="", accept="*/*")
    assert r.status_code == 201, r.text
    assert r.text == "file upload uploaded successfully"


def test_file_before_description(srv, sauth):
    """The description may come after the file (the order a form does not guarantee)."""
    data = b"".join(pseudo_random(2 * MiB + 3, seed=11))
    description = unique("after")
    body = multipart(file_part(data, filename="first.bin"), text_part("description", description))
    r = post_body(srv, body, {**sauth, "Accept": "application/json"})
    assert r.status_code == 201, r.text
    assert_record(r.json(), data=data, description=description, filename="first.bin")


def test_input_file_without_filename(srv, sauth):
    """`curl -F inputFile=text`: a part without a filename is still the file, named `upload`."""
    description = unique()
    body = multipart(text_part("description", description), text_part("inputFile", "plain field value"))
    r = post_body(srv, body, {**sauth, "Accept": "application/json"})
    assert r.status_code == 201, r.text
    assert_record(r.json(), data=b"plain field value", description=description, filename="upload")


def test_concurrent_uploads(srv, sauth):
    """Several uploads at once through the one event loop and storage thread, all byte-exact."""
    import concurrent.futures
    sizes = [3 * MiB + 1, 2 * MiB, MiB - 1, 5 * MiB + 77, 1, 4 * MiB]

    def one(i):
        data = b"".join(pseudo_random(sizes[i], seed=500 + i))
        status, _, body, sha = stream_upload(srv, sauth, [data[j:j + 100_000] for j in range(0, len(data), 100_000)],
                                             len(data), description=unique(f"concurrent {i}"), chunked=bool(i % 2))
        return status, body, sha, len(data)

    with concurrent.futures.ThreadPoolExecutor(len(sizes)) as pool:
        results = list(pool.map(one, range(len(sizes))))
    for status, body, sha, size in results:
        assert status == 201, body
        rec = json.loads(body)
        assert (rec["sha256"], rec["size"]) == (sha, size)
        assert download_sha256(srv, sauth, rec["id"])[:2] == (sha, size)


def test_concurrent_duplicate_descriptions(srv, sauth):
    """Two uploads with one description in flight at once: one is stored, the other is 409."""
    import concurrent.futures
    before, state = list_all(srv, sauth), settled_state(srv)
    description = unique("race")

    def one(i):
        data = b"".join(pseudo_random(3 * MiB, seed=600 + i))
        status, _, body, _ = stream_upload(srv, sauth, [data[j:j + 65536] for j in range(0, len(data), 65536)],
                                           len(data), description=description)
        return status

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(one, range(2)))
    assert statuses == [201, 409]
    after = list_all(srv, sauth)
    assert len(after) == len(before) + 1 and after[1:] == before
    assert after[0]["description"] == description
    files, chunks, chunk_bytes = settled_state(srv)
    assert (files, chunk_bytes) == (state[0] + 1, state[2] + 3 * MiB)


def test_other_fields_are_ignored(srv, sauth):
    body = multipart(text_part("csrf", "x" * 100), text_part("description", unique()),
                     file_part(b"abc", filename="o.txt"), text_part("submit", "Upload"))
    r = post_body(srv, body, {**sauth, "Accept": "application/json"})
    assert r.status_code == 201, r.text
    assert r.json()["size"] == 3


@pytest.mark.parametrize("part_type,stored", [
    ("text/csv", "text/csv"),
    ("image/svg+xml", "image/svg+xml"),
    ("text/plain; charset=iso-8859-1", "text/plain; charset=iso-8859-1"),
    (None, "application/octet-stream"),
])
def test_part_content_type_stored(srv, sauth, part_type, stored):
    rec = upload_json(srv, sauth, b"a,b\n1,2\n", filename="t.dat", content_type=part_type)
    assert rec["content_type"] == stored
    r = requests.get(f"{srv.url}/files/{rec['id']}/content", headers=sauth, timeout=10)
    assert r.headers["Content-Type"] == stored
    assert r.headers["X-Content-Type-Options"] == "nosniff"


# MARK: Filenames


@pytest.mark.parametrize("sent,cleaned", [
    ("../../etc/passwd", "passwd"),
    ("/abs/path/to/report.pdf", "report.pdf"),
    ("C:\\Users\\me\\Desktop\\notes.txt", "notes.txt"),
    ("mixed/dir\\sub/final name.txt", "final name.txt"),
    ("tab\there.txt", "tabhere.txt"),
    ("naïve café ☕.txt", "naïve café ☕.txt"),
    ("dir/", "upload"),
    ("..", "upload"),
])
def test_filename_cleaning(srv, sauth, sent, cleaned):
    r = upload(srv, sauth, b"x", filename=sent, accept="*/*")
    assert r.status_code == 201, r.text
    assert r.text == f"file {cleaned} uploaded successfully"
    rec = requests.get(srv.url + r.headers["Location"], headers=sauth, timeout=10).json()
    assert rec["filename"] == cleaned


@pytest.mark.parametrize("sent,cleaned", [("a\x01b\x1fc\x7fd.txt", "abcd.txt"), ("\x01\x02", "upload")])
def test_filename_raw_control_characters_removed(srv, sauth, sent, cleaned):
    """Browsers send a file name's control characters raw (HTML only percent-encodes CR, LF
    and `"`): the upload must succeed with them removed (SPEC: "control characters removed")."""
    r = upload(srv, sauth, b"x", filename=sent, accept="*/*")
    assert r.status_code == 201, r.text
    assert r.text == f"file {cleaned} uploaded successfully"


@pytest.mark.parametrize("star,cleaned", [
    ("UTF-8''a%01b%1Fc%7Fd.txt", "abcd.txt"),
    ("UTF-8''%01%02%0D%0A", "upload"),
    ("UTF-8''dir%2Fa%00b%09c.txt", "abc.txt"),
])
def test_filename_star_control_characters_removed(srv, sauth, star, cleaned):
    r = upload(srv, sauth, b"x", filename="plain.txt", filename_star=star, accept="*/*")
    assert r.status_code == 201, r.text
    assert r.text == f"file {cleaned} uploaded successfully"


def test_filename_c1_control_removed_from_filename_star(srv, sauth):
    # U+0085 (NEL) and U+009B (CSI) are C1 controls, sent percent-encoded in filename*.
    r = upload(srv, sauth, b"x", filename="plain.txt", filename_star="UTF-8''a%C2%85b%C2%9Bc.txt", accept="*/*")
    assert r.status_code == 201, r.text
    assert r.text == "file abc.txt uploaded successfully"


def test_filename_star_preferred(srv, sauth):
    r = upload(srv, sauth, b"x", filename="fallback.txt",
               filename_star="UTF-8''%E2%82%AC%20rates%20%C3%A9t%C3%A9.txt", accept="application/json")
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == "€ rates été.txt"


def test_filename_star_path_cleaned(srv, sauth):
    r = upload(srv, sauth, b"x", filename="fallback.txt", filename_star="UTF-8''..%2F..%2Fsecret%5Cevil.sh",
               accept="application/json")
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == "evil.sh"


def test_filename_star_alone(srv, sauth):
    r = upload(srv, sauth, b"x", filename=None, filename_star="utf-8'en'%E6%97%A5%E6%9C%AC.txt",
               accept="application/json")
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == "日本.txt"


def test_long_ascii_filename_cut_to_255_bytes(srv, sauth):
    name = "a" * 296 + ".txt"
    rec = upload_json(srv, sauth, b"x", filename=name)
    assert rec["filename"] == name[:255]


def test_long_utf8_filename_cut_on_boundary(srv, sauth):
    name = "é" * 150  # 300 bytes; 127 scalars are 254 bytes, 128 would be 256
    rec = upload_json(srv, sauth, b"x", filename=name)
    assert rec["filename"] == "é" * 127
    assert len(rec["filename"].encode()) == 254
    emoji = "x" + "😀" * 80  # 321 bytes: 1 + 63 * 4 = 253 fits, 257 does not
    rec = upload_json(srv, sauth, b"x", filename=emoji)
    assert rec["filename"] == "x" + "😀" * 63


def test_path_then_long_name(srv, sauth):
    name = "dir/" * 50 + "b" * 300
    rec = upload_json(srv, sauth, b"x", filename=name)
    assert rec["filename"] == "b" * 255


# MARK: Description


def test_description_missing(srv, sauth):
    before, state = list_all(srv, sauth), settled_state(srv)
    r = post_body(srv, multipart(file_part(b"no description", filename="n.txt")), sauth)
    assert r.status_code == 400, r.text
    assert r.json()["message"]
    assert_nothing_left(srv, sauth, before, state)


@pytest.mark.parametrize("blank", ["", "   ", "\r\n\t ", "\u00a0\u2003\u3000"])
def test_description_blank(srv, sauth, blank):
    before, state = list_all(srv, sauth), settled_state(srv)
    r = upload(srv, sauth, b"".join(pseudo_random(MiB + 5, seed=3)), description=blank)
    assert r.status_code == 400, r.text
    assert_nothing_left(srv, sauth, before, state)


def test_description_200_scalars_ok(srv, sauth):
    for description in ["d" * 200, "😀" * 199 + "z", "e\u0301" * 100]:
        rec = upload_json(srv, sauth, b"x", description=description)
        assert rec["description"] == description


def test_description_201_scalars_refused(srv, sauth):
    before, state = list_all(srv, sauth), settled_state(srv)
    # 101 user-perceived characters but 201 scalars: the limit counts scalars.
    for description in ["d" * 201, "😀" * 201, "e\u0301" * 100 + "f", "  " + "q" * 201 + "  "]:
        r = upload(srv, sauth, b"x", description=description)
        assert r.status_code == 400, (description, r.text)
    assert_nothing_left(srv, sauth, before, state)


def test_description_trimmed(srv, sauth):
    core = unique("trimmed")
    rec = upload_json(srv, sauth, b"x", description=f" \t\r\n {core} \n\n ")
    assert rec["description"] == core
    # 200 scalars once trimmed is fine, whatever the padding.
    padded = "   " + "p" * 199 + "Q" + "\n\n   "
    rec = upload_json(srv, sauth, b"x", description=padded)
    assert rec["description"] == padded.strip()


def test_description_special_characters_round_trip(srv, sauth):
    """Inner newlines, quotes, backslashes, JSON-hostile and non-BMP characters survive as sent."""
    description = 'line one\nline "two"\t\\ back \u2028 \u007f </script> 😀 ' + uuid.uuid4().hex
    rec = upload_json(srv, sauth, b"x", description=description)
    assert rec["description"] == description
    assert requests.get(f"{srv.url}/files/{rec['id']}", headers=sauth, timeout=10).json()["description"] == description


def test_description_with_nul_is_not_truncated(srv, sauth):
    """U+0000 is valid UTF-8: the description is either stored exactly or refused (400), never
    stored cut at the NUL (which would also make "a\0x" and "a\0y" duplicates)."""
    before, state = list_all(srv, sauth), settled_state(srv)
    stem = unique("nul")
    first = upload(srv, sauth, b"x", description=stem + "\u0000one", accept="application/json")
    if first.status_code == 400:
        second = upload(srv, sauth, b"x", description=stem + "\u0000two", accept="application/json")
        assert second.status_code == 400, second.text
        assert_nothing_left(srv, sauth, before, state)
        return
    assert first.status_code == 201, first.text
    assert first.json()["description"] == stem + "\u0000one"
    second = upload(srv, sauth, b"x", description=stem + "\u0000two", accept="application/json")
    assert second.status_code == 201, second.text
    assert second.json()["description"] == stem + "\u0000two"


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"caf\xe9", b"ok \xed\xa0\x80 surrogate", b"\xc3", b"\xf8\x88\x80\x80\x80"])
def test_description_invalid_utf8(srv, sauth, raw):
    before, state = list_all(srv, sauth), settled_state(srv)
    body = multipart(part_head("description") + raw, file_part(b"x", filename="bad.txt"))
    r = post_body(srv, body, sauth)
    assert r.status_code == 400, r.text
    assert_nothing_left(srv, sauth, before, state)


@pytest.mark.parametrize("description_first", [True, False], ids=["description-first", "file-first"])
def test_duplicate_description(srv, sauth, description_first):
    description = unique("duplicate")
    first = upload_json(srv, sauth, b"original", description=description)
    before, state = list_all(srv, sauth), settled_state(srv)
    data = b"".join(pseudo_random(3 * MiB + 17, seed=5))  # several chunks written before the check
    for sent in (description, f"  {description}\n"):
        parts = [text_part("description", sent), file_part(data, filename="dup.bin")]
        if not description_first:
            parts.reverse()
        r = post_body(srv, multipart(*parts), {**sauth, "Accept": "application/json"})
        assert r.status_code == 409, r.text
        assert r.json()["message"]
        # Nothing stored: the same listing right away; the chunks already written are freed
        # by the background reclaim moments later.
        assert list_all(srv, sauth) == before
        assert settled_state(srv) == state
    assert requests.get(f"{srv.url}/files/{first['id']}/content", headers=sauth, timeout=10).content == b"original"


def test_description_compared_exactly(srv, sauth):
    description = unique("Case")
    upload_json(srv, sauth, b"1", description=description)
    for other in (description.upper(), description + ".", description.replace(" ", "  ")):
        assert upload(srv, sauth, b"2", description=other).status_code == 201


def test_duplicate_after_delete_is_allowed(srv, sauth):
    description = unique("reuse")
    rec = upload_json(srv, sauth, b"1", description=description)
    assert requests.delete(f"{srv.url}/files/{rec['id']}", headers=sauth, timeout=10).status_code == 204
    assert upload(srv, sauth, b"2", description=description).status_code == 201


# MARK: Media type and body shape


@pytest.mark.parametrize("content_type", [
    "application/x-www-form-urlencoded", "text/plain", "application/json", "application/octet-stream",
    "multipart/mixed; boundary=abc", None,
])
def test_not_multipart_is_415(srv, sauth, content_type):
    headers = dict(sauth)
    if content_type:
        headers["Content-Type"] = content_type
    r = requests.post(srv.url + "/upload", data=b"description=x&inputFile=y", headers=headers, timeout=10)
    assert r.status_code == 415, r.text
    assert r.json()["message"]


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; charset=utf-8", "multipart/form-data; boundary="])
def test_multipart_without_boundary_is_400(srv, sauth, content_type):
    r = post_body(srv, multipart(text_part("description", unique()), file_part(b"x")), sauth, content_type=content_type)
    assert r.status_code == 400, r.text
    assert r.json()["message"]


def test_content_type_parameters_case_and_quotes(srv, sauth):
    r = post_body(srv, multipart(text_part("description", unique()), file_part(b"x", filename="q.txt")), sauth,
                  content_type=f'Multipart/Form-Data; BOUNDARY="{BOUNDARY}"')
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("kind", ["garbage", "empty", "no-final-boundary", "cut-in-data", "cut-in-part-head",
                                  "wrong-boundary", "bad-part-header", "no-disposition", "huge-part-header",
                                  "many-parts"])
def test_malformed_body_is_400(srv, sauth, kind):
    before, state = list_all(srv, sauth), settled_state(srv)
    data = b"".join(pseudo_random(MiB + 100, seed=9))
    good = multipart(text_part("description", unique()), file_part(data, filename="m.bin"))
    body = {
        "garbage": b"this is not a multipart body at all",
        "empty": b"",
        "huge-part-header": multipart(text_part("description", unique()),
                                      b"X-Padding: " + b"p" * (256 * KiB) + b"\r\n" + file_part(data)),
        "many-parts": multipart(text_part("description", unique()), *[text_part(f"f{i}", "v") for i in range(2000)],
                                file_part(data)),
        "no-final-boundary": multipart(text_part("description", unique()), file_part(data), close=False),
        "cut-in-data": good[: len(good) // 2],
        "cut-in-part-head": good[: good.index(b"filename=") + 5],
        "wrong-boundary": multipart(text_part("description", unique()), file_part(data), boundary="other-boundary"),
        "bad-part-header": multipart(text_part("description", unique()),
                                     b"this line has no colon\r\n" + file_part(data)),
        "no-disposition": multipart(text_part("description", unique()),
                                    b"Content-Type: text/plain\r\n\r\n" + data),
    }[kind]
    r = post_body(srv, body, sauth)
    assert r.status_code == 400, r.text
    assert_nothing_left(srv, sauth, before, state)


def test_connection_cut_mid_body_leaves_nothing(srv, sauth):
    before, state = list_all(srv, sauth), settled_state(srv)
    data = b"".join(pseudo_random(4 * MiB, seed=13))
    body = multipart(text_part("description", unique("cut")), file_part(data, filename="cut.bin"))
    with raw_connect(srv) as sock:
        sock.sendall(raw_head("POST", "/upload", {"Content-Type": multipart_type(), "Content-Length": len(body), **sauth}))
        sock.sendall(body[: 3 * MiB])
        time.sleep(0.3)
    assert_nothing_left(srv, sauth, before, state)
    assert upload(srv, sauth, b"still serving").status_code == 201


def test_chunked_body_cut_mid_body_leaves_nothing(srv, sauth):
    before, state = list_all(srv, sauth), settled_state(srv)
    data = b"".join(pseudo_random(3 * MiB, seed=14))
    body = multipart(text_part("description", unique("cut")), file_part(data, filename="cut.bin"))
    with raw_connect(srv) as sock:
        sock.sendall(raw_head("POST", "/upload", {"Content-Type": multipart_type(), "Transfer-Encoding": "chunked", **sauth}))
        piece = body[: 2 * MiB + 500]
        sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        time.sleep(0.3)
    assert_nothing_left(srv, sauth, before, state)


def test_two_file_parts_refused(srv, sauth):
    before, state = list_all(srv, sauth), settled_state(srv)
    body = multipart(text_part("description", unique()), file_part(b"one", filename="1"), file_part(b"two", filename="2"))
    r = post_body(srv, body, sauth)
    assert r.status_code == 400, r.text
    assert_nothing_left(srv, sauth, before, state)


def test_keep_alive_after_upload(srv, sauth):
    """Two uploads and a listing on one connection: the upload leaves the connection usable."""
    with requests.Session() as s:
        s.headers.update(sauth)
        for i in range(2):
            body = multipart(text_part("description", unique()), file_part(b"k" * i, filename=f"k{i}"))
            r = s.post(srv.url + "/upload", data=body, headers={"Content-Type": multipart_type()}, timeout=10)
            assert r.status_code == 201
        assert s.get(srv.url + "/files?limit=1", timeout=10).status_code == 200


# MARK: Size limit


def test_limit_exact_size_accepted(limited, lauth):
    data = b"".join(pseudo_random(LIMIT, seed=1))
    rec = upload_json(limited, lauth, data, filename="exact.bin")
    assert rec["size"] == LIMIT
    assert rec["sha256"] == hashlib.sha256(data).hexdigest()
    assert requests.get(f"{limited.url}/files/{rec['id']}/content", headers=lauth, timeout=10).content == data


def test_limit_exact_size_accepted_chunked(limited, lauth):
    data = b"".join(pseudo_random(LIMIT, seed=2))
    status, _, body, sha = stream_upload(limited, lauth, [data[:777], data[777:]], LIMIT, chunked=True)
    assert status == 201, body
    assert json.loads(body)["sha256"] == sha


def test_limit_plus_one_is_413(limited, lauth):
    before, state = list_all(limited, lauth), settled_state(limited)
    r = upload(limited, lauth, b"y" * (LIMIT + 1))
    assert r.status_code == 413, r.text
    assert r.json()["message"]
    assert_nothing_left(limited, lauth, before, state)


def test_limit_plus_one_is_413_chunked(limited, lauth):
    before, state = list_all(limited, lauth), settled_state(limited)
    status, _, body, _ = stream_upload(limited, lauth, [b"z" * (LIMIT + 1)], LIMIT + 1, chunked=True)
    assert status == 413, body
    assert_nothing_left(limited, lauth, before, state)


def test_limit_counts_file_bytes_not_body(limited, lauth):
    """A body larger than the limit is fine when the file itself fits (other parts, headers)."""
    data = b"f" * (LIMIT - 10)
    body = multipart(text_part("note", "n" * 30_000), text_part("description", unique()), file_part(data, filename="fits"))
    assert len(body) > LIMIT
    r = post_body(limited, body, {**lauth, "Accept": "application/json"})
    assert r.status_code == 201, r.text
    assert r.json()["size"] == LIMIT - 10


def test_chunked_413_arrives_when_limit_passed(limited, lauth):
    """A chunked body is refused as soon as the file passes the limit, long before it ends."""
    before, state = list_all(limited, lauth), settled_state(limited)
    prefix = multipart(text_part("description", unique("slow")), close=False)
    prefix += b"--" + BOUNDARY.encode() + b"\r\n" + part_head("inputFile", filename="slow.bin")
    piece = b"s" * (8 * KiB)
    planned = 4 * MiB  # would take ~10 s at this pace; the answer must come long before
    sent = 0
    answered_at = None
    with raw_connect(limited) as sock:
        sock.sendall(raw_head("POST", "/upload", {"Content-Type": multipart_type(), "Transfer-Encoding": "chunked", **lauth}))
        sock.sendall(b"%x\r\n" % len(prefix) + prefix + b"\r\n")
        try:
            while sent < planned:
                sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
                sent += len(piece)
                readable, _, _ = select.select([sock], [], [], 0.02)
                if readable:
                    answered_at = sent
                    break
        except (BrokenPipeError, ConnectionResetError):
            answered_at = sent
        assert answered_at is not None, "no answer while the whole body was sent"
        status, headers, body = read_response(sock)
    assert status == 413, body
    assert answered_at < planned
    # Answered close to where the limit was passed (allow for what sits in socket buffers).
    assert LIMIT < answered_at <= LIMIT + MiB, answered_at
    assert_nothing_left(limited, lauth, before, state)


def test_content_length_413_before_body(limited, lauth):
    """A declared length far over the limit is refused from the head alone."""
    with raw_connect(limited) as sock:
        sock.sendall(raw_head("POST", "/upload", {
            "Content-Type": multipart_type(), "Content-Length": 50 * MiB, **lauth}))
        status, headers, body = read_response(sock, timeout=5)
        assert status == 413, body
        assert json.loads(body)["message"]
        assert headers.get("connection", "").lower() == "close"


def test_expect_continue_413_without_body(limited, lauth):
    with raw_connect(limited) as sock:
        sock.sendall(raw_head("POST", "/upload", {
            "Content-Type": multipart_type(), "Content-Length": 50 * MiB, "Expect": "100-continue", **lauth}))
        status, headers, body = read_response(sock, timeout=5)
        assert status == 413, (status, body)  # not 100 Continue: the body is never asked for
        assert closes_soon(sock)
    assert requests.get(limited.url + "/healthz", timeout=5).status_code == 200


def test_default_limit_allows_large_declared_length(srv, sauth):
    """With the default limit (4 GiB - 1), a 3 GiB declared upload gets 100 Continue."""
    with raw_connect(srv) as sock:
        sock.sendall(raw_head("POST", "/upload", {
            "Content-Type": multipart_type(), "Content-Length": 3 << 30, "Expect": "100-continue", **sauth}))
        status, _, _ = read_response(sock, timeout=5)
        assert status == 100


def test_default_limit_refuses_5gib_declared(srv, sauth):
    with raw_connect(srv) as sock:
        sock.sendall(raw_head("POST", "/upload", {
            "Content-Type": multipart_type(), "Content-Length": 5 << 30, "Expect": "100-continue", **sauth}))
        status, _, _ = read_response(sock, timeout=5)
        assert status == 413


# MARK: Authentication and precedence


@pytest.mark.parametrize("expect", [False, True], ids=["no-expect", "expect-continue"])
def test_401_before_body(srv, expect):
    headers = {"Content-Type": multipart_type(), "Content-Length": 50 * MiB}
    if expect:
        headers["Expect"] = "100-continue"
    with raw_connect(srv) as sock:
        sock.sendall(raw_head("POST", "/upload", headers))
        status, resp_headers, body = read_response(sock, timeout=5)
        assert status == 401, (status, body)
        assert json.loads(body)["message"] == "Token missing"
        assert resp_headers["www-authenticate"].startswith("Bearer")


def test_401_bad_token_before_body(srv):
    with raw_connect(srv) as sock:
        sock.sendall(raw_head("POST", "/upload", {
            "Content-Type": multipart_type(), "Content-Length": 50 * MiB, "Authorization": "Bearer not.a.token"}))
        status, _, body = read_response(sock, timeout=5)
        assert status == 401
        assert json.loads(body)["message"] == "Invalid token"


def test_401_chunked_before_body(srv):
    with raw_connect(srv) as sock:
        sock.sendall(raw_head("POST", "/upload", {"Content-Type": multipart_type(), "Transfer-Encoding": "chunked"}))
        status, _, _ = read_response(sock, timeout=5)
        assert status == 401


def test_upload_with_token_query_parameter(srv, sauth):
    token = sauth["Authorization"].split()[1]
    body = multipart(text_part("description", unique()), file_part(b"q", filename="q.txt"))
    r = requests.post(srv.url + "/upload", params={"token": token}, data=body,
                      headers={"Content-Type": multipart_type()}, timeout=10)
    assert r.status_code == 201, r.text


def test_precedence_unknown_path_404(srv):
    for method in ("POST", "GET", "PUT"):
        r = requests.request(method, srv.url + "/uploads", data=b"x", headers={"Content-Type": "text/plain"}, timeout=10)
        assert r.status_code == 404, (method, r.status_code)
    r = requests.post(srv.url + "/upload/extra", timeout=10)
    assert r.status_code == 404


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_precedence_wrong_method_405(srv, method):
    r = requests.request(method, srv.url + "/upload", data=b"x", headers={"Content-Type": "text/plain"}, timeout=10)
    assert r.status_code == 405, r.text
    assert [m.strip() for m in r.headers["Allow"].split(",")] == ["POST"]


def test_precedence_401_before_415_413_400(limited):
    cases = [
        {"Content-Type": "text/plain", "Content-Length": "5"},
        {"Content-Type": "multipart/form-data", "Content-Length": "5"},
        {"Content-Type": multipart_type(), "Content-Length": str(50 * MiB)},
    ]
    for headers in cases:
        with raw_connect(limited) as sock:
            sock.sendall(raw_head("POST", "/upload", headers))
            status, _, _ = read_response(sock, timeout=5)
            assert status == 401, headers


def test_precedence_415_from_head(limited, lauth):
    """Not multipart is 415 from the head alone, even with a declared size over the limit."""
    with raw_connect(limited) as sock:
        sock.sendall(raw_head("POST", "/upload", {"Content-Type": "text/plain", "Content-Length": 50 * MiB, **lauth}))
        status, _, _ = read_response(sock, timeout=5)
        assert status == 415


def test_limited_server_still_rejects_description_problems_with_400(limited, lauth):
    r = upload(limited, lauth, b"x" * 10, description="   ")
    assert r.status_code == 400


def test_limit_zero_from_environment(make_server):
    """`APP_MAX_UPLOAD_SIZE=0`: only empty files are accepted."""
    server = make_server(env={"APP_MAX_UPLOAD_SIZE": "0"})
    auth = {"Authorization": f"Bearer {server.login()}"}
    assert upload(server, auth, b"").status_code == 201
    r = upload(server, auth, b"1")
    assert r.status_code == 413, r.text
    assert [f["size"] for f in list_all(server, auth)] == [0]
