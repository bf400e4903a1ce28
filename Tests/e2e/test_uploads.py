"""End-to-end tests of `POST /upload` (SPEC "Uploads", the upload row of "HTTP API").

Everything goes over a real socket to the built binary: `requests` for ordinary requests,
`http.client` for streamed and chunked bodies, raw sockets where the test has to see *when*
the server answers (before the body, or as soon as a chunked body passes the limit).
"""

import hashlib
import json
import re
import select
import time
import uuid

import pytest
import requests

from filedrop_helpers import (
    BOUNDARY, KiB, MiB, assert_nothing_left, assert_record, bearer, download_sha256, file_part,
    list_all, multipart, multipart_type, post_body, pseudo_random, raw_connect, raw_head, read_response,
    settled_state, stream_request, stream_upload, text_part, unique, upload, upload_envelope,
    upload_json,
)

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
LIMIT = 100_000  # --max-upload-size of the `limited` server


# MARK: Fixtures (`srv` and `sauth`, one server for the module, are in conftest.py)


@pytest.fixture(scope="module")
def limited(make_module_server):
    return make_module_server(args=["--max-upload-size", str(LIMIT)])


@pytest.fixture(scope="module")
def lauth(limited):
    return bearer(limited.login())


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

def test_text_answer_without_accept(srv, sauth):
    body = multipart(text_part("description", unique()), file_part(b"abc", filename="noaccept.txt"))
    with raw_connect(srv) as sock:
        sock.sendall(raw_head("POST", "/upload", {
            "Content-Type": multipart_type(), "Content-Length": len(body), **sauth}) + body)
        status, headers, resp = read_response(sock)
    assert status == 201
    assert resp == b"file noaccept.txt uploaded successfully"
    assert re.fullmatch(r"/files/\d+", headers["location"])

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

def test_chunked_413_arrives_when_limit_passed(limited, lauth):
    """A chunked body is refused as soon as the file passes the limit, long before it ends."""
    before, state = list_all(limited, lauth), settled_state(limited)
    prefix, _ = upload_envelope(unique("slow"), "slow.bin", content_type=None)
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
    auth = bearer(server.login())
    assert upload(server, auth, b"").status_code == 201
    r = upload(server, auth, b"1")
    assert r.status_code == 413, r.text
    assert [f["size"] for f in list_all(server, auth)] == [0]
