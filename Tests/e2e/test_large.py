"""The slow tier: a file larger than SQLite's 1 GB value limit goes in and comes back out
byte-exact, streamed both ways, with the server's memory bounded (SPEC "Uploads": "memory
stays bounded (tens of MiB) whatever the file size, and files larger than SQLite's 1 GB
value limit work").

Skipped unless FILEDROP_SLOW=1 (`make test-slow`):
    FILEDROP_SLOW=1 python3 -m pytest -q -s Tests/e2e/test_large.py
"""

import json
import os
import time

import pytest
import requests

from filedrop_helpers import MiB, download_sha256, pseudo_random, stream_upload

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("FILEDROP_SLOW") != "1", reason="slow tier: set FILEDROP_SLOW=1"),
]

SIZE = 1100 * MiB + 12_345  # 1.07 GiB, more than SQLite's 1,000,000,000-byte value limit
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

    # Upload, streamed from the generator; the SHA-256 is computed while sending.
    reset_hwm(pid)
    started = time.monotonic()
    status, _, body, sent = stream_upload(server, auth, pseudo_random(SIZE, seed=1100), SIZE,
                                          description="larger than one gigabyte", filename="large.bin", timeout=600)
    upload_seconds = time.monotonic() - started
    assert status == 201, body[:500]
    upload_hwm = vm_hwm_kib(pid)
    rec = json.loads(body)
    assert rec["size"] == SIZE
    assert rec["sha256"] == sent

    # Download, compared by SHA-256 while streaming.
    reset_hwm(pid)
    started = time.monotonic()
    got, count, r = download_sha256(server, auth, rec["id"], timeout=600)
    download_seconds = time.monotonic() - started
    download_hwm = vm_hwm_kib(pid)
    assert r.headers["Content-Length"] == str(SIZE)
    assert count == SIZE
    assert got == sent

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
