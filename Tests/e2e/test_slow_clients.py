"""Slow and stalled clients (SPEC "HTTP hygiene and operations"): a response written to a
client that reads nothing is abandoned, a body that trickles in is cut off, the rest of a body
after an early answer is dropped only up to a bound, and every request cut off midway still
gets its access-log line.

The limits are shortened for these tests through FILEDROP_TEST_LIMITS (test-only, see
README), so nothing here waits for the real 60 s."""

import hashlib
import random
import re
import socket
import time
import urllib.parse

import requests

MiB = 1 << 20
BOUNDARY = "slowclientboundary"


def address(server):
    u = urllib.parse.urlsplit(server.url)
    return u.hostname, u.port


def upload(server, auth, data, description):
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n{description}\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"inputFile\"; filename=\"f.bin\"\r\n\r\n").encode()
    body += data + f"\r\n--{BOUNDARY}--\r\n".encode()
    r = requests.post(server.url + "/upload", data=body, timeout=120, headers={
        **auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Accept": "application/json"})
    assert r.status_code == 201, r.text
    return r.json()


def read_until_closed(sock, timeout):
    """Reads until the server closes (returns the bytes) or `timeout` passes (returns None)."""
    deadline = time.monotonic() + timeout
    data = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            piece = sock.recv(1 << 16)
        except socket.timeout:
            return None
        except ConnectionResetError:
            return data
        if not piece:
            return data
        data += piece


def wait_for_log(server, pattern, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in server.lines:
            if re.search(pattern, line):
                return line
        time.sleep(0.1)
    raise AssertionError(f"no log line matching {pattern!r}:\n" + server.log_text())


def test_a_download_to_a_client_that_reads_nothing_is_abandoned(make_server):
    server = make_server(env={"FILEDROP_TEST_LIMITS": "write-idle=2"})
    token = server.login()
    auth = {"Authorization": f"Bearer {token}"}
    data = random.Random(7).randbytes(16 * MiB)
    record = upload(server, auth, data, "never read")

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the kernel holds little for us
    sock.connect(address(server))
    sock.sendall(f"GET /files/{record['id']}/content HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    time.sleep(6)  # reads nothing: the server's writes stop draining
    received = read_until_closed(sock, timeout=20)
    sock.close()
    assert received is not None, "the server kept the stalled download open"
    assert len(received) < len(data), "the whole file went out although the client read nothing"
    line = wait_for_log(server, rf"GET /files/{record['id']}/content 200 \d+ .*cut-off")
    sent = int(line.split(f"/content 200 ")[1].split()[0])
    assert 0 < sent < len(data)
    # The server serves everyone else on.
    assert requests.get(server.url + "/healthz", timeout=10).status_code == 200


def test_a_slow_reader_that_keeps_reading_is_not_cut_off(make_server):
    server = make_server(env={"FILEDROP_TEST_LIMITS": "write-idle=2"})
    token = server.login()
    data = random.Random(8).randbytes(3 * MiB)
    record = upload(server, {"Authorization": f"Bearer {token}"}, data, "slow reader")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(address(server))
    sock.sendall(f"GET /files/{record['id']}/content HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                 "Connection: close\r\n\r\n".encode())
    received = b""
    started = time.monotonic()
    sock.settimeout(10)
    while True:
        piece = sock.recv(256 * 1024)
        if not piece:
            break
        received += piece
        time.sleep(0.02)  # about 5-10 MB/s: slow, but always draining
    sock.close()
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert len(body) == len(data), (len(body), server.log_text()[-2000:])
    assert hashlib.sha256(body).hexdigest() == record["sha256"]
    assert time.monotonic() - started > 0.5


def test_a_body_that_trickles_in_is_cut_off(make_server):
    # The reviewer's case: Content-Length 1000 and a byte every so often, each just inside the
    # body idle limit. With a 2 s grace and the default minimum rate, it ends after about 2 s.
    server = make_server(env={"FILEDROP_TEST_LIMITS": "body-idle=2"})
    with socket.create_connection(address(server), timeout=5) as sock:
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        started = time.monotonic()
        closed_after = None
        for _ in range(40):
            try:
                sock.sendall(b"x")
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - started
                break
            sock.settimeout(0.3)
            try:
                if sock.recv(4096) == b"":
                    closed_after = time.monotonic() - started
                    break
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed_after = time.monotonic() - started
                break
    assert closed_after is not None, "a body of one byte every 0.3 s was read for 12 s"
    assert closed_after < 6
    wait_for_log(server, r"POST /login - \d+ .*cut-off")


def test_the_rest_of_a_body_after_an_early_answer_is_dropped_only_up_to_a_bound(server):
    # 401 before the body; then at most 1 MiB (plus what the kernels buffer) is read and dropped.
    with socket.create_connection(address(server), timeout=10) as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                     b"Content-Length: 209715200\r\n\r\n")
        head = sock.recv(4096)
        assert head.startswith(b"HTTP/1.1 401"), head
        sent = 0
        piece = b"\0" * 65536
        sock.settimeout(5)
        try:
            while sent < 200 * MiB:
                sock.sendall(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
    assert sent < 40 * MiB, f"{sent} bytes of a refused body were read"


def test_a_trickling_body_after_an_early_answer_is_dropped_for_a_bounded_time(make_server):
    server = make_server(env={"FILEDROP_TEST_LIMITS": "discard-time=1"})
    with socket.create_connection(address(server), timeout=10) as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                     b"Content-Length: 1000000\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 401")
        started = time.monotonic()
        closed_after = None
        while time.monotonic() - started < 10:
            try:
                sock.sendall(b"y" * 100)
                sock.settimeout(0.2)
                if sock.recv(4096) == b"":
                    closed_after = time.monotonic() - started
                    break
            except socket.timeout:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - started
                break
    assert closed_after is not None and closed_after < 4, closed_after


def test_a_request_cut_off_by_the_client_gets_its_log_line(server):
    with socket.create_connection(address(server), timeout=5) as sock:
        sock.sendall(b"POST /login?user=me&token=abc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"user")
        time.sleep(0.3)
    line = wait_for_log(server, r"POST /login\?.* - \d+ .*cut-off")
    assert "token=abc" not in line and "user=me" not in line
