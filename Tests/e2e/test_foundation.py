"""The foundation, end to end: start-up, configuration, files it creates, the thread model,
compiled-in assets, routing (404/405), access log and connection limits. Graceful shutdown
(SIGTERM) is in test_durability.py; the head, body and keep-alive timeouts are tested with
virtual time in Tests/FileDropServerTests/PipelineTests.swift."""

import os
import pathlib
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import time

import pytest
import requests

from filedrop_helpers import BINARY, ROOT, app_env, raw_connect, run_app, upload_json

def test_first_start_creates_database_in_wal_and_a_private_key(server):
    assert server.database.exists()
    with sqlite3.connect(server.database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    mode = stat.S_IMODE(server.key_path.stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(server.database.stat().st_mode) == 0o600  # stored files are private
    content = server.key_path.read_bytes()
    assert re.fullmatch(rb"[0-9a-f]{64}\n", content)
    log = server.log_text()
    assert str(server.key_path) in log
    assert content.strip().decode() not in log


def test_first_start_prints_the_admin_password_exactly(server):
    lines = server.lines
    index = next(i for i, line in enumerate(lines) if line.startswith("Created user 'admin'"))
    assert re.fullmatch(r"Created user 'admin' with password: \S+", lines[index])
    assert lines[index + 1] == "Change it with: app user passwd admin"
    assert server.login()


def test_listening_line_has_the_real_port(server):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
    assert not server.url.endswith(":0")


def test_defaults_bind_local_port_5000(tmp_path):
    """No flags at all: 127.0.0.1:5000, ./app.db and ./secret.key in the working folder."""
    try:
        probe = requests.get("http://127.0.0.1:5000/healthz", timeout=1)
        pytest.skip(f"port 5000 is in use here ({probe.status_code})")
    except requests.ConnectionError:
        pass
    proc = subprocess.Popen([str(BINARY)], cwd=tmp_path, env=app_env(), stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:
            if "listening on" in line:
                assert "listening on http://127.0.0.1:5000" in line
                break
        assert requests.get("http://127.0.0.1:5000/healthz", timeout=5).json() == {"status": "ok"}
        assert (tmp_path / "app.db").exists() and (tmp_path / "secret.key").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(40) == 0


def test_one_event_loop_thread_and_the_documented_threads(server):
    """The README's design section lists these threads; /proc shows what the process has."""
    server.login()  # wakes the hashing pool
    pid = server.proc.pid
    names = sorted((pathlib.Path(f"/proc/{pid}/task") / tid / "comm").read_text().strip()
                   for tid in os.listdir(f"/proc/{pid}/task"))
    loops = [n for n in names if n.startswith("NIO-ELT")]
    assert len(loops) == 1, names
    pools = [n for n in names if n.startswith("TP-")]
    assert len(pools) == 4, names  # one storage thread, one checkpoint thread, two hashing threads
    assert len(names) == 6, names  # plus the main thread waiting for signals
    # Only the event loop has sockets: every TCP socket of the process is served there
    # (there is no other NIO loop or socket-owning thread to have them).


@pytest.mark.parametrize("args,env,expected", [
    (["--port", "70000"], {}, "--port"),
    ([], {"APP_TOKEN_TTL": "abc"}, "APP_TOKEN_TTL"),
    (["--database", "/nonexistent-dir/sub/app.db"], {}, "/nonexistent-dir/sub/app.db"),
    (["--log-level", "loud"], {}, "--log-level"),
    (["--max-upload-size", "-1"], {}, "--max-upload-size"),
])
def test_invalid_settings_stop_start_up_with_one_line(tmp_path, args, env, expected):
    result = run_app(["--port", "0", *args], cwd=tmp_path, env=env)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    error_lines = [line for line in lines if "error" in line.lower()]
    assert len(error_lines) == 1, result.stderr
    assert expected in error_lines[0]
    assert "Fatal error" not in result.stderr and "Stack" not in result.stderr


@pytest.mark.parametrize("content,mode,expected", [
    (b"0123456789abcdef0123456789abcdef0123\n", 0o644, "chmod 600"),
    (b"", 0o600, "empty"),
    (b"short\n", 0o600, "32"),
])
def test_bad_key_files_refuse_to_start(tmp_path, content, mode, expected):
    key = tmp_path / "secret.key"
    key.write_bytes(content)
    key.chmod(mode)
    result = run_app(["--port", "0", "--secret-key-file", str(key)], cwd=tmp_path)
    assert result.returncode != 0
    error_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(error_lines) == 1, result.stderr
    assert expected in error_lines[0]
    assert content.strip().decode() not in error_lines[0] or not content.strip()
    assert not (tmp_path / "app.db").exists()


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_create_no_files(tmp_path, flag):
    result = run_app([flag], cwd=tmp_path)
    assert result.returncode == 0
    assert (result.stdout + result.stderr).strip()
    assert list(tmp_path.iterdir()) == []


# MARK: Routing comes before authentication (SPEC "HTTP API")

UNKNOWN_PATHS = [
    "/no/such/thing", "/upload/extra", "/uploads/not-an-upload-id", "/uploads/AAAAAAAAAAAAAAAAAAAAAA/extra",
    # IDs are integers: a path whose ID is not one is no route at all.
    "/files/abc", "/files/-1", "/files/1.0", "/files/1e3", "/files/%31x", "/files/99999999999999999999",
    "/files/abc/content", "/files/1/contents", "/files/1/content/extra", "/files//content",
]

WRONG_METHODS = [
    ("/files", "POST", ["GET", "HEAD"]),
    ("/files", "PUT", ["GET", "HEAD"]),
    ("/files/{id}", "PUT", ["GET", "HEAD", "PATCH", "DELETE"]),
    ("/files/{id}/content", "DELETE", ["GET", "HEAD"]),
    ("/upload", "GET", ["POST"]),
    ("/upload", "PUT", ["POST"]),
    ("/upload", "DELETE", ["POST"]),
    ("/upload", "PATCH", ["POST"]),
    ("/uploads", "GET", ["OPTIONS", "POST"]),
    ("/uploads", "DELETE", ["OPTIONS", "POST"]),
]


def requests_from_anyone(method, url, auth):
    """The same request without and with a token, without and with a (non-multipart) body."""
    for headers in ({}, auth):
        for body in (None, b"x"):
            extra = {} if body is None else {"Content-Type": "text/plain"}
            yield requests.request(method, url, data=body, headers={**headers, **extra}, timeout=10)


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
def test_unknown_paths_are_json_404_whoever_asks(srv, sauth, path):
    for method in ("GET", "POST", "PUT"):
        for r in requests_from_anyone(method, srv.url + path, sauth):
            assert r.status_code == 404, (method, path, r.request.headers, r.status_code)
            assert r.json()["message"]


@pytest.fixture(scope="module")
def stored(srv, sauth):
    return upload_json(srv, sauth, b"m")


@pytest.mark.parametrize("path,method,allowed", WRONG_METHODS)
def test_wrong_methods_are_json_405_with_allow_whoever_asks(srv, sauth, stored, path, method, allowed):
    path = path.format(id=stored["id"])
    for r in requests_from_anyone(method, srv.url + path, sauth):
        assert r.status_code == 405, (method, path, r.request.headers, r.status_code)
        assert r.json()["message"]
        assert sorted(m.strip() for m in r.headers["Allow"].split(",")) == sorted(allowed)
    # The refused DELETE or PUT changed nothing.
    assert requests.get(f"{srv.url}/files/{stored['id']}", headers=sauth, timeout=10).status_code == 200


def test_assets_are_compiled_in_with_etags(server):
    page = requests.get(server.url + "/login", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert assets, page.text
    for path in assets:
        r = requests.get(server.url + path, timeout=10)
        assert r.status_code == 200, path
        etag = r.headers["ETag"]
        assert "max-age" in r.headers["Cache-Control"]
        again = requests.get(server.url + path, headers={"If-None-Match": etag}, timeout=10)
        assert again.status_code == 304
    icon = requests.get(server.url + "/favicon.ico", timeout=10)
    assert icon.status_code == 200 and len(icon.content) > 0


def test_binary_serves_the_same_without_assets_beside_it(tmp_path, make_server):
    """A copy of the binary in an empty folder (no Assets/, no sources) serves the same bytes."""
    lone = tmp_path / "bin" / "app"
    lone.parent.mkdir()
    shutil.copy(BINARY, lone)
    server = make_server(workdir=tmp_path / "run", binary=lone)
    assets = ROOT / "Assets"
    for path, source in [("/static/app.css", "static/app.css"), ("/static/app.js", "static/app.js"),
                         ("/favicon.ico", "favicon.ico")]:
        assert requests.get(server.url + path, timeout=10).content == (assets / source).read_bytes(), path


def test_access_log_has_one_line_per_request(server):
    before = len(server.lines)
    requests.get(server.url + "/healthz", timeout=10)
    requests.get(server.url + "/nope", timeout=10)
    time.sleep(0.2)
    new = server.lines[before:]
    assert any(re.search(r"GET /healthz 200 \d+ [\d.]+ms", line) for line in new), new
    assert any(re.search(r"GET /nope 404 ", line) for line in new), new


def test_request_head_over_16_kib_is_431(server):
    r = requests.get(server.url + "/healthz", headers={"X-Big": "a" * 17000}, timeout=10)
    assert r.status_code == 431


def test_malformed_request_is_400_and_server_keeps_serving(server):
    with raw_connect(server, timeout=5) as s:
        s.sendall(b"GARBAGE / HTTP/9.9\r\n\r\n")
        answer = s.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400")
    assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
