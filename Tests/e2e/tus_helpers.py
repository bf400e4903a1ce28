"""Helpers for the resumable-upload (tus 1.0.0) suites: requests at /uploads, and metadata."""

import base64
import hashlib

import requests

TUS = {"Tus-Resumable": "1.0.0"}
BYTES = "application/offset+octet-stream"


def metadata(description, filename="file.bin", **more):
    """An Upload-Metadata header: each value base64 (standard alphabet, padded)."""
    pairs = {"description": description, "filename": filename, **more}
    return ",".join(
        f"{key} {base64.b64encode(value if isinstance(value, bytes) else value.encode()).decode()}"
        for key, value in pairs.items() if value is not None
    )


def create(server, auth, length, description, filename="file.bin", body=None, session=None, headers=None, **more):
    """POST /uploads; returns the response (201: `Location` names the upload)."""
    h = {**TUS, **auth, "Upload-Length": str(length), "Upload-Metadata": metadata(description, filename, **more)}
    if body is not None:
        h["Content-Type"] = BYTES
    h.update(headers or {})
    return (session or requests).post(server.url + "/uploads", headers=h, data=body, timeout=60)


def created(server, auth, length, description, **kw):
    """Creates an upload (expects 201); returns its URL."""
    r = create(server, auth, length, description, **kw)
    assert r.status_code == 201, (r.status_code, r.text)
    return server.url + r.headers["Location"]


def patch(url, auth, offset, data, session=None, headers=None):
    h = {**TUS, **auth, "Upload-Offset": str(offset), "Content-Type": BYTES}
    h.update(headers or {})
    return (session or requests).patch(url, headers=h, data=data, timeout=120)


def head(url, auth, session=None):
    return (session or requests).head(url, headers={**TUS, **auth}, timeout=30)


def offset_of(url, auth):
    r = head(url, auth)
    assert r.status_code == 200, r.status_code
    return int(r.headers["Upload-Offset"])


def send_in_pieces(url, auth, data, piece, start=0):
    """PATCHes data[start:] in pieces of `piece` bytes on one connection; returns the last
    response (204, with `Location` once the upload is complete)."""
    with requests.Session() as session:
        offset = start
        r = None
        while offset < len(data):
            chunk = data[offset:offset + piece]
            r = patch(url, auth, offset, chunk, session=session)
            assert r.status_code == 204, (offset, r.status_code, r.text)
            offset += len(chunk)
            assert int(r.headers["Upload-Offset"]) == offset
        return r


def sha1_header(data):
    return "sha1 " + base64.b64encode(hashlib.sha1(data).digest()).decode()
