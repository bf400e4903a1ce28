"""Helpers shared by the end-to-end suites (fixtures live in conftest.py)."""

import random

import requests

MiB = 1 << 20


def pseudo_random(size, seed, piece=MiB):
    """Deterministic bytes, `piece` at a time, so large files need not be held in memory."""
    rng = random.Random(seed)
    left = size
    while left > 0:
        n = min(piece, left)
        yield rng.randbytes(n)
        left -= n


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
