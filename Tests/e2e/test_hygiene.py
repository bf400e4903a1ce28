"""HTTP hygiene found by an outside review: escaping that a combining mark cannot slip past,
`nosniff` on every JSON and text answer, query values kept out of the log, lengths that do
not fit in 63 bits, malformed chunked bodies, cursors the server did not issue, invisible
characters in file names, and start-up errors in one plain line."""

import hashlib
import os
import pathlib
import re
import socket
import subprocess
import time
import urllib.parse

import pytest
import requests

from filedrop_helpers import BINARY

BOUNDARY = "hygieneboundary"
MARKS = ["\u0301", "\u200d", "\u20d2"]  # combining acute, zero-width joiner, combining long vertical overlay


def address(server):
    u = urllib.parse.urlsplit(server.url)
    return u.hostname, u.port


def multipart(description, filename, data=b"data"):
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n{description}\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"inputFile\"; filename=\"{filename}\"\r\n\r\n").encode() \
        + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def upload(server, auth, description, filename="f.txt"):
    r = requests.post(server.url + "/upload", data=multipart(description, filename), timeout=30, headers={
        **auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Accept": "application/json"})
    return r


def exchange(server, request, timeout=5):
    """Sends raw bytes; returns everything until the server closes (or `timeout`)."""
    with socket.create_connection(address(server), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        try:
            while True:
                piece = sock.recv(65536)
                if not piece:
                    return data, True
                data += piece
        except socket.timeout:
            return data, False
        except ConnectionResetError:
            return data, True


# MARK: Escaping


@pytest.mark.parametrize("mark", MARKS)
def test_a_quote_followed_by_a_combining_mark_is_escaped_in_the_page(server, auth, mark):
    description = f'x"{mark} autofocus id=pager x\'{mark} <{mark}b>&{mark}amp;'
    assert upload(server, auth, description).status_code == 201
    page = requests.get(server.url + "/", headers={**auth, "Accept": "text/html"}, timeout=10).text
    assert f'"{mark}' not in page and f"'{mark}" not in page and f"<{mark}" not in page
    assert f'&quot;{mark} autofocus id=pager x&#39;{mark} &lt;{mark}b&gt;&amp;{mark}amp;' in page


@pytest.mark.parametrize("mark", MARKS)
def test_a_username_with_a_combining_mark_is_escaped_on_the_login_page(server, mark):
    r = requests.post(server.url + "/login", data={"username": f'a"{mark} autofocus onfocus=x', "password": "wrong"},
                      headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 401
    assert f'&quot;{mark} autofocus onfocus=x' in r.text
    assert f'"{mark} autofocus' not in r.text


@pytest.mark.parametrize("mark", MARKS)
def test_protocol_delimiters_followed_by_a_combining_mark_still_delimit(server, token, mark):
    def status_of(request):
        answer, _ = exchange(server, request.encode() if isinstance(request, str) else request)
        return int(answer.split(b" ", 2)[1])

    m = mark.encode()
    # Cookie pairs split on ';': the pair after the token starts with a mark.
    assert status_of(b"GET /files HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: token=" + token.encode()
                     + b";" + m + b"x=y\r\n\r\n") == 200
    # A form body split on '&': raw UTF-8 after the delimiter ends the password all the same.
    body = f"username=admin&password={urllib.parse.quote(server.admin_password)}&{mark}x=1".encode()
    assert status_of(b"POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + str(len(body)).encode()
                     + b"\r\n\r\n" + body) == 303
    # If-None-Match split on ',': an entity tag list whose second item starts with a mark.
    upload(server, {"Authorization": f"Bearer {token}"}, f"etag {ord(mark)}")
    listed = requests.get(server.url + "/files", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    record = listed["files"][0]
    assert status_of(f"GET /files/{record['id']}/content HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     f"Authorization: Bearer {token}\r\nIf-None-Match: \"{record['sha256']}\",{mark}\"x\"\r\n\r\n") == 304


# MARK: Headers and the log


def test_every_json_and_text_answer_is_nosniff(server, auth):
    answers = [
        requests.get(server.url + "/healthz", timeout=10),
        requests.get(server.url + "/nope", timeout=10),
        requests.get(server.url + "/files", timeout=10),
        requests.get(server.url + "/files", headers=auth, timeout=10),
        requests.put(server.url + "/files", timeout=10),
        requests.post(server.url + "/upload", data=multipart("sniff", "s.txt"), timeout=10, headers={
            **auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}),
        requests.get(server.url + "/login", timeout=10),
    ]
    for r in answers:
        assert r.headers.get("Content-Type", "").startswith(("application/json", "text/plain")), r.headers
        assert r.headers.get("X-Content-Type-Options") == "nosniff", (r.request.method, r.url, r.status_code)


def test_query_values_other_than_the_listing_s_own_are_redacted_in_the_log(server, token):
    before = len(server.lines)
    r = requests.get(server.url + "/files", params={"limit": "5", "q": "holiday", "password": "hunter2",
                                                    "api_key": "k3y", "token": token}, timeout=10)
    assert r.status_code == 200
    time.sleep(0.3)
    line = next(line for line in server.lines[before:] if "GET /files" in line)
    assert "limit=5" in line and "q=holiday" in line
    assert "password=REDACTED" in line and "api_key=REDACTED" in line and "token=REDACTED" in line
    for secret in ("hunter2", "k3y", token):
        assert secret not in server.log_text()


# MARK: Lengths, chunked bodies, cursors


@pytest.mark.parametrize("path", ["/upload", "/login"])
def test_a_content_length_of_two_to_the_63_is_too_large_not_zero(make_server, path):
    # The body that never comes is waited for as long as an early answer's rest is (1 s here).
    server = make_server(env={"FILEDROP_TEST_LIMITS": "discard-time=1"})
    token = server.login()
    request = (f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
               f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 9223372036854775808\r\n\r\n").encode()
    answer, closed = exchange(server, request)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert closed


def test_a_content_length_past_64_bits_is_400(server, token):
    answer, closed = exchange(server, b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert closed


def test_the_largest_max_upload_size_does_not_wrap(make_server):
    server = make_server(args=["--max-upload-size", str(2**63 - 1)])
    auth = {"Authorization": f"Bearer {server.login()}"}
    r = upload(server, auth, "huge limit")
    assert r.status_code == 201, r.text


def test_a_malformed_chunked_body_on_an_upload_is_400_then_close(server, token):
    request = (f"POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
               f"Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").encode()
    answer, closed = exchange(server, request)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"Connection: close" in answer
    assert closed
    assert requests.get(server.url + "/healthz", timeout=10).status_code == 200


def test_a_cursor_the_server_did_not_issue_is_400(server, auth):
    r = requests.get(server.url + "/files?cursor=%00not-a-cursor%ff", headers=auth, timeout=10)
    assert r.status_code == 400, r.text
    assert "cursor" in r.json()["message"]
    r = requests.get(server.url + "/files?cursor=", headers=auth, timeout=10)
    assert r.status_code == 400


def test_the_page_with_an_unusable_cursor_shows_the_first_page(server, auth):
    upload(server, auth, "first page file")
    r = requests.get(server.url + "/?cursor=%00not-a-cursor%ff", headers={**auth, "Accept": "text/html"}, timeout=10)
    assert r.status_code == 200
    assert "first page file" in r.text


# MARK: File names


@pytest.mark.parametrize("invisible", ["\u200b", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff"])
def test_direction_and_zero_width_characters_are_removed_from_file_names(server, auth, invisible):
    r = upload(server, auth, f"invisible {ord(invisible):04x}", filename=f"invoice{invisible}fdp.exe")
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == "invoicefdp.exe"


# MARK: Start-up


def run_app(args, cwd, timeout=30):
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
    return subprocess.run([str(BINARY), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def test_a_port_in_use_is_one_plain_line_and_creates_nothing(tmp_path):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        result = run_app(["--port", str(port)], cwd=tmp_path)
    finally:
        holder.close()
    assert result.returncode != 0
    assert result.stderr.splitlines() == [f"app: error: cannot listen on 127.0.0.1:{port}: address already in use"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("host", ["999.1.1.1", "no-such-host.invalid"])
def test_a_bad_host_is_one_plain_line_and_creates_nothing(tmp_path, host):
    result = run_app(["--port", "0", "--host", host], cwd=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("app: error: "), result.stderr
    assert host in lines[0] and "not an IP address" in lines[0], lines[0]
    assert "Error" not in lines[0] and "errno" not in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_an_unusable_database_path_creates_no_key(tmp_path):
    result = run_app(["--port", "0", "--database", str(tmp_path / "missing" / "app.db")], cwd=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("app: error: "), result.stderr
    assert list(tmp_path.iterdir()) == []
