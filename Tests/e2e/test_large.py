"""The slow tier: a file larger than SQLite's 1 GB value limit goes in and comes back out
byte-exact, streamed both ways, with the server's memory bounded (SPEC "Uploads": "memory
stays bounded (tens of MiB) whatever the file size, and files larger than SQLite's 1 GB
value limit work").

Skipped unless FILEDROP_SLOW=1 (`make test-slow`):
    FILEDROP_SLOW=1 python3 -m pytest -q -s Tests/e2e/test_large.py
"""

import hashlib
import http.client
import json
import os
import random
import time
import urllib.parse

import pytest
import requests
from filedrop_helpers import pseudo_random

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("FILEDROP_SLOW") != "1", reason="slow tier: set FILEDROP_SLOW=1"),
]

MiB = 1 << 20
SIZE = 1100 * MiB + 12_345  # 1.07 GiB, more than SQLite's 1,000,000,000-byte value limit
BOUNDARY = "----FileDropLargeBoundary"
RSS_LIMIT_KIB = 64 * 1024




def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def reset_hwm(pid):
    """Resets the peak RSS (Linux: `echo 5 > /proc/PID/clear_refs`); False when not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def test_upload_and_download_larger_than_1gb(server, auth):
    pid = server.proc.pid
    assert SIZE > 1_000_000_000
    description = "larger than one gigabyte"
    b = BOUNDARY.encode()
    prefix = (b"--" + b + b'\r\nContent-Disposition: form-data; name="description"\r\n\r\n' + description.encode()
              + b"\r\n--" + b + b'\r\nContent-Disposition: form-data; name="inputFile"; filename="large.bin"\r\n'
              + b"Content-Type: application/octet-stream\r\n\r\n")
    suffix = b"\r\n--" + b + b"--\r\n"
    u = urllib.parse.urlsplit(server.url)

    # Upload, streamed from the generator; the SHA-256 is computed while sending.
    reset_hwm(pid)
    sent = hashlib.sha256()
    started = time.monotonic()
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
    conn.putrequest("POST", "/upload", skip_accept_encoding=True)
    conn.putheader("Authorization", auth["Authorization"])
    conn.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    conn.putheader("Accept", "application/json")
    conn.putheader("Content-Length", str(len(prefix) + SIZE + len(suffix)))
    conn.endheaders()
    conn.send(prefix)
    for piece in pseudo_random(SIZE, seed=1100):
        sent.update(piece)
        conn.send(piece)
    conn.send(suffix)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    upload_seconds = time.monotonic() - started
    assert response.status == 201, body[:500]
    upload_hwm = vm_hwm_kib(pid)
    rec = json.loads(body)
    assert rec["size"] == SIZE
    assert rec["sha256"] == sent.hexdigest()

    # Download, compared by SHA-256 while streaming.
    reset_hwm(pid)
    got = hashlib.sha256()
    count = 0
    started = time.monotonic()
    with requests.get(f"{server.url}/files/{rec['id']}/content", headers=auth, stream=True, timeout=600) as r:
        assert r.status_code == 200
        assert r.headers["Content-Length"] == str(SIZE)
        for piece in r.iter_content(MiB):
            got.update(piece)
            count += len(piece)
    download_seconds = time.monotonic() - started
    download_hwm = vm_hwm_kib(pid)
    assert count == SIZE
    assert got.hexdigest() == sent.hexdigest()

    # A range at the very end, beyond the first 1 GB.
    r = requests.get(f"{server.url}/files/{rec['id']}/content", headers={**auth, "Range": "bytes=-100000"}, timeout=60)
    assert r.status_code == 206
    last = b""
    for piece in pseudo_random(SIZE, seed=1100):
        last = (last + piece)[-100000:]
    assert r.content == last
    assert r.headers["Content-Range"] == f"bytes {SIZE - 100000}-{SIZE - 1}/{SIZE}"

    print(f"\n1.07 GiB: upload {upload_seconds:.1f} s ({SIZE / upload_seconds / 1e6:.0f} MB/s), "
          f"download {download_seconds:.1f} s ({SIZE / download_seconds / 1e6:.0f} MB/s); "
          f"server VmHWM upload {upload_hwm / 1024:.1f} MiB, download {download_hwm / 1024:.1f} MiB")
    assert upload_hwm < RSS_LIMIT_KIB, f"peak RSS during the upload {upload_hwm} KiB"
    assert download_hwm < RSS_LIMIT_KIB, f"peak RSS during the download {download_hwm} KiB"
