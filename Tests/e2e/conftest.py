"""End-to-end fixtures: start the built `app` as a separate process on a free port with a
temporary database and key, and talk to it over a real socket the way a user does."""

import os
import pathlib
import re
import signal
import subprocess
import threading
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("FILEDROP_BINARY", ROOT / ".build" / "debug" / "app")).resolve()

LISTENING = re.compile(r"listening on (http://[^\s\"]+)")
ADMIN = re.compile(r"^Created user 'admin' with password: (\S+)$")


class Server:
    """One running `app serve` process and everything a test needs to reach it."""

    def __init__(self, workdir: pathlib.Path, args=(), env=None):
        self.workdir = workdir
        self.database = workdir / "app.db"
        self.key_path = workdir / "secret.key"
        self.args = list(args)
        self.extra_env = dict(env or {})
        self.proc = None
        self.lines = []
        self.url = None
        self.admin_password = None
        self._listening = threading.Event()

    def start(self, timeout=30):
        self.lines = []
        self.url = None
        self._listening.clear()
        env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
        env.update(self.extra_env)
        cmd = [
            str(BINARY),
            "--port", "0",
            "--database", str(self.database),
            "--secret-key-file", str(self.key_path),
            *self.args,
        ]
        self.proc = subprocess.Popen(
            cmd, cwd=self.workdir, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", errors="replace",
        )
        threading.Thread(target=self._read_stderr, daemon=True).start()
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

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

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
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
        full_env.update(env or {})
        return subprocess.run(
            [str(BINARY), *args, "--database", str(self.database)],
            input=input, capture_output=True, text=True, env=full_env, cwd=self.workdir,
            timeout=60,
        )


@pytest.fixture
def make_server(tmp_path):
    """Factory: make_server(args=[...], env={...}) starts a server in a fresh folder."""
    servers = []

    def factory(args=(), env=None, workdir=None):
        folder = workdir or tmp_path / f"server{len(servers)}"
        folder.mkdir(parents=True, exist_ok=True)
        server = Server(folder, args, env).start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.kill()


@pytest.fixture
def server(make_server):
    """A fresh server (fresh database and key) for one test."""
    return make_server()


@pytest.fixture
def token(server):
    return server.login()


@pytest.fixture
def auth(token):
    return {"Authorization": f"Bearer {token}"}
