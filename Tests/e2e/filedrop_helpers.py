"""Helpers shared by the end-to-end suites; the fixtures that use them live in conftest.py.

- `Server`: one running `app` process on a free port with its own database and key, and
  `run_app` for the other subcommands.
- Multipart bodies built byte by byte (`multipart`, `text_part`, `file_part`, `part_head`),
  so that tests control every quote, boundary and header a browser or curl would send.
- Uploads and downloads: `upload`/`upload_json` (requests), `stream_upload` (http.client,
  with `Content-Length` or chunked, never holding the file in memory), `download_sha256`.
- Raw sockets, for tests that must see *when* the server answers or what exactly goes on
  the wire: `raw_connect`, `raw_head`, `read_response`, `closes_soon`, `raw_exchange`.
- The database as the server left it: `db_query`, `db_size`, `storage_state`,
  `settled_state`, `assert_nothing_left`.
"""

import hashlib
import http.client
import os
import pathlib
import random
import re
import signal
import socket
import sqlite3
import struct
import subprocess
import threading
import time
import urllib.parse
import uuid

import requests

KiB = 1 << 10
MiB = 1 << 20

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The binary under test: by default the static release build (`make release`), which `make test`
# builds and passes here; FILEDROP_BINARY names another (e.g. .build/debug/app).
BINARY = pathlib.Path(os.environ.get("FILEDROP_BINARY", ROOT / "dist" / "app")).resolve()

LISTENING = re.compile(r"listening on (http://[^\s\"]+)")  # also inside a JSON log line
ADMIN = re.compile(r"^Created user 'admin' with password: (\S+)$")


# MARK: The process


def app_env(extra=None):
    """The environment for `app`: this one without any APP_* setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
    env.update(extra or {})
    return env


def run_app(args, cwd, env=None, input=None, timeout=60, binary=None):
    """Runs `app ARGS` to completion (a subcommand, or a start-up that must fail)."""
    return subprocess.run(
        [str(binary or BINARY), *args], cwd=cwd, env=app_env(env), input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True, text=True, timeout=timeout,
    )


class Server:
    """One running `app serve` process and everything a test needs to reach it."""

    def __init__(self, workdir: pathlib.Path, args=(), env=None, binary=None):
        self.workdir = workdir
        self.database = workdir / "app.db"
        self.key_path = workdir / "secret.key"
        self.args = list(args)
        self.extra_env = dict(env or {})
        self.binary = pathlib.Path(binary or BINARY)
        self.proc = None
        self._reader = None
        self.lines = []
        self.url = None
        self.admin_password = None
        self._listening = threading.Event()

    def start(self, timeout=30):
        """Starts (or restarts) the server; returns once it logs its `listening on` line."""
        self.lines = []
        self.url = None
        self._listening.clear()
        cmd = [
            str(self.binary),
            "--port", "0",
            "--database", str(self.database),
            "--secret-key-file", str(self.key_path),
            *self.args,
        ]
        self.proc = subprocess.Popen(
            cmd, cwd=self.workdir, env=app_env(self.extra_env),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", errors="replace",
        )
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        if not self._listening.wait(timeout):
            self.kill()
            raise RuntimeError("server did not start:\n" + self.log_text())
        return self

    def _read_stderr(self):
        for line in self.proc.stderr:
            line = line.rstrip("\n")
            self.lines.append(line)
            m = ADMIN.match(line)
            if m:
                self.admin_password = m.group(1)
            m = LISTENING.search(line)
            if m and not self._listening.is_set():
                self.url = m.group(1)
                self._listening.set()

    def log_text(self) -> str:
        return "\n".join(self.lines)

    def stop(self, timeout=40) -> int:
        """SIGTERM and wait; returns the exit status."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            self.proc = None
            self._finish_reading()

    def kill(self):
        """SIGKILL (a crash, or the end of a test) and wait."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        self._finish_reading()

    def _finish_reading(self):
        """Waits until every line the process wrote is in `lines` (its stderr reached its end)."""
        if self._reader is not None:
            self._reader.join(10)

    @property
    def address(self):
        """(host, port) of the listening socket."""
        u = urllib.parse.urlsplit(self.url)
        return u.hostname, u.port

    @property
    def key(self) -> bytes:
        data = self.key_path.read_bytes()
        for ending in (b"\r\n", b"\n"):
            if data.endswith(ending):
                return data[: -len(ending)]
        return data

    def login(self, user="admin", password=None) -> str:
        password = self.admin_password if password is None else password
        r = requests.get(self.url + "/login", auth=(user, password), timeout=30)
        assert r.status_code == 200, r.text
        return r.json()["token"]

    def run_cli(self, *args, input=None, env=None):
        """Runs `app ARGS --database DB` against this server's database."""
        return run_app([*args, "--database", str(self.database)], cwd=self.workdir, env=env, input=input,
                       binary=self.binary)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# MARK: Content


def unique(prefix="file"):
    """A description no other test uses (descriptions are unique per server)."""
    return f"{prefix} {uuid.uuid4().hex}"


def pseudo_random(size, seed, piece=MiB):
    """Deterministic bytes, `piece` at a time, so large files need not be held in memory."""
    rng = random.Random(seed)
    left = size
    while left > 0:
        n = min(piece, left)
        yield rng.randbytes(n)
        left -= n


# MARK: Multipart bodies

BOUNDARY = "----FileDropTestBoundary7MA4YWxkTrZu0gW"


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


def upload_envelope(description, filename="file.bin", content_type="application/octet-stream"):
    """(prefix, suffix): the bytes of an upload body before and after the file's content, so
    that the content can be streamed between them."""
    prefix = multipart(text_part("description", description), close=False)
    prefix += b"--" + BOUNDARY.encode() + b"\r\n" + part_head("inputFile", filename=filename, content_type=content_type)
    suffix = b"\r\n--" + BOUNDARY.encode() + b"--\r\n"
    return prefix, suffix


# MARK: Requests


def post_body(server, body, headers=None, content_type=None, timeout=60):
    """POSTs a prepared body to /upload with Content-Length."""
    h = {"Content-Type": content_type or multipart_type()}
    h.update(headers or {})
    return requests.post(server.url + "/upload", data=body, headers=h, timeout=timeout)


def upload(server, auth, data, description=None, filename="file.bin",
           content_type="application/octet-stream", accept=None, timeout=60, **part_kw):
    """Uploads `data` with a description (a unique one when none is given); returns the response."""
    description = unique() if description is None else description
    body = multipart(text_part("description", description),
                     file_part(data, filename=filename, content_type=content_type, **part_kw))
    headers = dict(auth)
    if accept is not None:
        headers["Accept"] = accept
    return post_body(server, body, headers, timeout=timeout)


def upload_json(server, auth, data, **kw):
    """Uploads `data`, expects 201, returns the file's JSON record."""
    r = upload(server, auth, data, accept="application/json", **kw)
    assert r.status_code == 201, (r.status_code, r.text)
    return r.json()


def stream_request(server, path, headers, pieces, length=None, method="POST", timeout=300):
    """Sends a request whose body comes from `pieces` (an iterable of bytes): with
    `Content-Length: length`, or chunked when `length` is None. Returns (status, headers, body)."""
    host, port = server.address
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
        try:
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
        except (BrokenPipeError, ConnectionResetError):
            # The server answered before the body's end (413, 507, ...) and, past what it
            # drops of the rest (1 MiB), closed: its answer is waiting, as curl would read it.
            pass
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def stream_upload(server, auth, data_pieces, size, description=None, filename="big.bin",
                  chunked=False, accept="application/json", timeout=300):
    """Uploads a file given as pieces, without building it in memory; returns (status, headers,
    body, sha256 of what was sent)."""
    description = unique() if description is None else description
    prefix, suffix = upload_envelope(description, filename)
    digest = hashlib.sha256()

    def pieces():
        yield prefix
        for piece in data_pieces:
            digest.update(piece)
            yield piece
        yield suffix

    headers = {"Content-Type": multipart_type(), "Accept": accept, **auth}
    length = None if chunked else len(prefix) + size + len(suffix)
    status, resp_headers, body = stream_request(server, "/upload", headers, pieces(), length=length, timeout=timeout)
    return status, resp_headers, body, digest.hexdigest()


def download_sha256(server, auth, file_id, timeout=120):
    """Streams GET /files/ID/content (expecting 200); returns (sha256 hex, byte count, response)."""
    digest = hashlib.sha256()
    count = 0
    with requests.get(f"{server.url}/files/{file_id}/content", headers=auth, stream=True, timeout=timeout) as r:
        assert r.status_code == 200, (file_id, r.status_code)
        for piece in r.iter_content(MiB):
            digest.update(piece)
            count += len(piece)
    return digest.hexdigest(), count, r


def list_all(server, auth, limit=1000):
    """Every stored record, following next_cursor page by page."""
    files, cursor = [], None
    while True:
        params = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        r = requests.get(server.url + "/files", headers=auth, params=params, timeout=30)
        assert r.status_code == 200, r.text
        page = r.json()
        files += page["files"]
        cursor = page["next_cursor"]
        if cursor is None:
            return files


def assert_record(rec, *, data, description, filename, content_type="application/octet-stream", user="admin"):
    """`rec` is the JSON record of `data` uploaded with these values."""
    assert set(rec) >= {"id", "description", "filename", "content_type", "size", "sha256", "created_at", "uploaded_by"}
    assert isinstance(rec["id"], int) and not isinstance(rec["id"], bool)
    assert rec["description"] == description
    assert rec["filename"] == filename
    assert rec["content_type"] == content_type
    assert rec["size"] == len(data)
    assert rec["sha256"] == hashlib.sha256(data).hexdigest()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", rec["created_at"]), rec["created_at"]
    assert rec["uploaded_by"] == user


# MARK: Raw sockets


def raw_connect(server, timeout=10):
    return socket.create_connection(server.address, timeout=timeout)


def raw_head(method, path, headers):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _parse_head(head):
    """(status, lowercase headers) of a response head without its final empty line."""
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers


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
    status, headers = _parse_head(head)
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


def raw_exchange(server, request_bytes, responses=1):
    """Sends raw bytes on one connection and reads `responses` responses (Content-Length
    framed, HEAD answers without body); returns the list of (status, headers, body)."""
    out = []
    with raw_connect(server) as sock:
        sock.sendall(request_bytes)
        buf = b""
        methods = re.findall(rb"^(GET|HEAD|DELETE|POST) ", request_bytes, re.M)
        for i in range(responses):
            while b"\r\n\r\n" not in buf:
                piece = sock.recv(65536)
                assert piece, f"connection closed; buffered {buf!r}"
                buf += piece
            head, _, buf = buf.partition(b"\r\n\r\n")
            status, headers = _parse_head(head)
            length = 0 if methods[i] == b"HEAD" or status in (204, 304) else int(headers.get("content-length", 0))
            while len(buf) < length:
                piece = sock.recv(65536)
                assert piece
                buf += piece
            out.append((status, headers, buf[:length]))
            buf = buf[length:]
        # Nothing beyond the framed responses (a HEAD or 304 must not carry a body).
        sock.settimeout(0.3)
        try:
            extra = sock.recv(65536)
        except socket.timeout:
            extra = b""
        assert buf + extra == b"", f"unexpected bytes after the responses: {(buf + extra)[:100]!r}"
    return out


# MARK: The database, read beside the server


def db_query(path, sql, readonly=True):
    """Runs one statement on a database file (read-only unless told) and returns its rows."""
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    con = sqlite3.connect(uri, uri=True, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# The server keeps a copied -wal file up to this size for its next commits to overwrite
# (CheckpointPolicy.walKeptBytes), and a larger one, up to WAL_REUSE_LIMIT, for a while after
# the last write when the disk has room and the file is in memory (CheckpointPolicy.walReuseLimit).
WAL_KEPT_BYTES = 32 * MiB
WAL_REUSE_LIMIT = 3 * 512 * MiB


def file_size_or_zero(path):
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


def wal_index(database):
    """(mxFrame, nBackfill) from the wal-index (SQLite's WAL format, in native byte order:
    mxFrame at byte 16 of the index header, nBackfill at byte 96 of the checkpoint info): the
    frames the WAL holds since it last started over, and how many are copied. None without
    a -shm file to read."""
    try:
        with open(f"{database}-shm", "rb") as f:
            head = f.read(100)
    except FileNotFoundError:
        return None
    if len(head) < 100:
        return None
    return struct.unpack_from("<I", head, 16)[0], struct.unpack_from("<I", head, 96)[0]


def wal_copied(database):
    """Whether everything in the WAL is in the database file: the -wal file is empty or gone,
    or the wal-index says every frame was copied, so that the -wal file is only kept for the
    next commits to overwrite."""
    if file_size_or_zero(f"{database}-wal") == 0:
        return True
    index = wal_index(database)
    return index is not None and index[0] == index[1]


def wal_settled(database):
    """The WAL is all in the database file, and the -wal file is empty or kept for reuse."""
    return wal_copied(database) and file_size_or_zero(f"{database}-wal") <= WAL_REUSE_LIMIT


def wal_content_bytes(database):
    """Bytes of the -wal file that hold the current frames: its header and the mxFrame frames
    the wal-index counts (frame size from the WAL header). The file itself may be longer: a
    starting server writes zeros after its last frame for the next commits to overwrite, and
    frames of a generation before the last start-over are dead. The file's size when there is
    no wal-index to read."""
    size = file_size_or_zero(f"{database}-wal")
    index = wal_index(database)
    try:
        with open(f"{database}-wal", "rb") as f:
            wal_head = f.read(32)
    except FileNotFoundError:
        return size
    if index is None or len(wal_head) < 32:
        return size
    page_size, = struct.unpack_from(">I", wal_head, 8)
    return min(size, 32 + index[0] * (24 + page_size))


def db_size(server):
    """Bytes the database takes: its file, plus the frames in its -wal file unless they are all
    copied and the file is only kept for reuse (`wal_settled`)."""
    wal = 0 if wal_settled(server.database) else wal_content_bytes(server.database)
    return file_size_or_zero(server.database) + wal


def storage_state(server):
    """(number of rows in files, number of chunk rows, bytes in chunk rows)."""
    (files,), = db_query(server.database, "SELECT COUNT(*) FROM files")
    (chunks, chunk_bytes), = db_query(server.database, "SELECT COUNT(*), COALESCE(SUM(LENGTH(data)), 0) FROM chunks")
    return files, chunks, chunk_bytes


def incomplete_rows(server):
    """Rows of uploads in progress (0) or of aborted and deleted files whose chunks the
    background reclaim has yet to free (-1)."""
    (count,), = db_query(server.database, "SELECT COUNT(*) FROM files WHERE complete != 1")
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
