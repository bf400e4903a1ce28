"""File lifetimes and editing, end to end (SPEC "File lifetime, editing, search and quotas"):
`expires_in` on uploads, `--default-file-ttl` and `--max-file-ttl`, a file gone from its
`expires_at` on and its space given back, and `PATCH /files/ID` (200, 400, 404, 409, CSRF)."""

import datetime
import re
import time

import pytest
import requests

from filedrop_helpers import (
    MiB, bearer, db_query, db_size, file_part, list_all, multipart, post_body, text_part, unique, upload, upload_json,
)

RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def upload_with(server, auth, data, expires_in=None, description=None):
    """Uploads with an `expires_in` field (bytes or str; None: no such field)."""
    parts = [text_part("description", description or unique())]
    if expires_in is not None:
        parts.append(text_part("expires_in", expires_in))
    parts.append(file_part(data))
    return post_body(server, multipart(*parts), {**auth, "Accept": "application/json"})


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def patch(server, file_id, body, headers):
    return requests.patch(f"{server.url}/files/{file_id}", json=body, headers=headers, timeout=10)


# MARK: Lifetimes


def test_a_file_with_a_short_life_is_gone_and_its_space_comes_back(server, auth):
    keep = upload_json(server, auth, b"k" * 1000)
    before = db_size(server)
    r = upload_with(server, auth, b"\x5a" * (8 * MiB), expires_in="2")
    assert r.status_code == 201, r.text
    brief = r.json()
    created, expires = parse_time(brief["created_at"]), parse_time(brief["expires_at"])
    assert RFC3339.fullmatch(brief["expires_at"]) and 2 <= expires - created <= 3
    assert brief["downloads"] == 0 and brief["drop_id"] is None
    assert requests.get(f"{server.url}/files/{brief['id']}", headers=auth, timeout=10).json() == brief
    assert db_size(server) > before + 8 * MiB

    # From expires_at on: 404 for the record and the content, absent from the list, at once.
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    assert requests.get(f"{server.url}/files/{brief['id']}", headers=auth, timeout=10).status_code == 404
    assert requests.get(f"{server.url}/files/{brief['id']}/content", headers=auth, timeout=10).status_code == 404
    assert [f["id"] for f in list_all(server, auth)] == [keep["id"]]
    # Within seconds its rows are deleted and the database gives the space back.
    deadline = time.monotonic() + 10
    while db_query(server.database, f"SELECT count(*) FROM files WHERE id = {brief['id']}") != [(0,)]:
        assert time.monotonic() < deadline, "the expired file's rows are still there"
        time.sleep(0.2)
    while db_size(server) > before + MiB:
        assert time.monotonic() < deadline, f"space not given back: {db_size(server)} vs {before}"
        time.sleep(0.2)


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "1e3", "abc", "60s", " 6 0 ", "99999999999999999999"])
def test_an_expires_in_that_is_not_a_whole_number_of_seconds_is_400(srv, sauth, value):
    listed = list_all(srv, sauth)
    r = upload_with(srv, sauth, b"data", expires_in=value)
    assert r.status_code == 400, r.text
    assert "expires_in" in r.json()["message"]
    assert list_all(srv, sauth) == listed


def test_an_empty_expires_in_is_absent(srv, sauth):
    r = upload_with(srv, sauth, b"data", expires_in="")
    assert r.status_code == 201, r.text
    assert r.json()["expires_at"] is None


def test_the_default_lifetime_and_the_cap(make_server):
    server = make_server(["--default-file-ttl", "600", "--max-file-ttl", "3600"])
    auth = bearer(server.login())
    defaulted = upload_with(server, auth, b"a").json()
    assert 600 <= parse_time(defaulted["expires_at"]) - parse_time(defaulted["created_at"]) <= 601
    asked = upload_with(server, auth, b"b", expires_in="3600").json()
    assert 3600 <= parse_time(asked["expires_at"]) - parse_time(asked["created_at"]) <= 3601
    r = upload_with(server, auth, b"c", expires_in="3601")
    assert r.status_code == 400 and "3600" in r.json()["message"]
    # Past the cap by PATCH, or forever, is 400 too; within it is fine.
    far = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=7200)
    assert patch(server, asked["id"], {"expires_at": far.isoformat()}, auth).status_code == 400
    assert patch(server, asked["id"], {"expires_at": None}, auth).status_code == 400
    near = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=60)
    assert patch(server, asked["id"], {"expires_at": near.isoformat()}, auth).status_code == 200


def test_with_a_cap_and_no_default_files_live_as_long_as_the_cap(make_server):
    server = make_server(["--max-file-ttl", "120"])
    record = upload_with(server, bearer(server.login()), b"a").json()
    assert 120 <= parse_time(record["expires_at"]) - parse_time(record["created_at"]) <= 121


def test_a_default_longer_than_the_cap_stops_start_up(tmp_path):
    from filedrop_helpers import run_app
    result = run_app(["--port", "0", "--default-file-ttl", "7200", "--max-file-ttl", "3600"], cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "app: error: invalid value '7200' for --default-file-ttl: must not be longer than --max-file-ttl (3600)"]
    assert not (tmp_path / "app.db").exists()


# MARK: Editing


def test_patch_changes_the_description_and_the_expiry(srv, sauth):
    record = upload_json(srv, sauth, b"data", description=unique("before"))
    other = upload_json(srv, sauth, b"other")
    description = unique("after")
    r = patch(srv, record["id"], {"description": f"  {description}\t"}, sauth)
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed == {**record, "description": description}
    assert requests.get(f"{srv.url}/files/{record['id']}", headers=sauth, timeout=10).json() == changed

    later = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(days=1)
    r = patch(srv, record["id"], {"expires_at": later.isoformat().replace("+00:00", "Z")}, sauth)
    assert r.status_code == 200 and r.json()["expires_at"] == later.strftime("%Y-%m-%dT%H:%M:%SZ")
    r = patch(srv, record["id"], {"expires_at": None, "description": description}, sauth)
    assert r.status_code == 200 and r.json()["expires_at"] is None

    # The description rules and the clash.
    assert patch(srv, record["id"], {"description": other["description"]}, sauth).status_code == 409
    assert patch(srv, record["id"], {"description": "   "}, sauth).status_code == 400
    assert patch(srv, record["id"], {"description": "x" * 201}, sauth).status_code == 400
    assert requests.get(f"{srv.url}/files/{record['id']}", headers=sauth, timeout=10).json()["description"] == description


@pytest.mark.parametrize("body", [
    {}, {"filename": "x.txt"}, {"description": 5}, {"expires_at": 3600}, {"expires_at": "tomorrow"},
    {"description": "ok", "size": 1}, ["description"],
])
def test_patch_refuses_other_fields_and_types(srv, sauth, body):
    record = upload_json(srv, sauth, b"data")
    r = patch(srv, record["id"], body, sauth)
    assert r.status_code == 400, r.text
    assert r.json()["message"]
    assert requests.get(f"{srv.url}/files/{record['id']}", headers=sauth, timeout=10).json() == record


def test_patch_of_an_unknown_or_expired_file_is_404(srv, sauth):
    assert patch(srv, 987654, {"description": "x"}, sauth).status_code == 404
    assert requests.patch(f"{srv.url}/files/abc", json={}, headers=sauth, timeout=10).status_code == 404
    record = upload_json(srv, sauth, b"data")
    past = "2001-01-01T00:00:00Z"
    r = patch(srv, record["id"], {"expires_at": past}, sauth)
    assert r.status_code == 200 and r.json()["expires_at"] == past  # a past time expires it
    assert requests.get(f"{srv.url}/files/{record['id']}", headers=sauth, timeout=10).status_code == 404
    assert patch(srv, record["id"], {"expires_at": None}, sauth).status_code == 404


def test_patch_needs_a_token_and_json(srv, sauth):
    record = upload_json(srv, sauth, b"data")
    assert requests.patch(f"{srv.url}/files/{record['id']}", json={"description": "x"}, timeout=10).status_code == 401
    r = requests.patch(f"{srv.url}/files/{record['id']}", data="description=x", timeout=10,
                       headers={**sauth, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415


def test_patch_with_the_cookie_follows_the_csrf_rule(srv):
    token = srv.login()
    record = upload_json(srv, bearer(token), b"data")
    cookie = {"Cookie": f"token={token}"}
    host = srv.url.split("//", 1)[1]
    for origin in ("https://evil.example", "null"):
        r = patch(srv, record["id"], {"description": unique("csrf")}, {**cookie, "Origin": origin})
        assert r.status_code == 403, (origin, r.text)
    r = patch(srv, record["id"], {"description": unique("csrf")}, {**cookie, "Referer": "https://evil.example/page"})
    assert r.status_code == 403
    same = unique("same origin")
    r = patch(srv, record["id"], {"description": same}, {**cookie, "Origin": f"http://{host}"})
    assert r.status_code == 200 and r.json()["description"] == same
    # A Bearer token is not a browser's doing: no Origin check.
    r = patch(srv, record["id"], {"description": unique("bearer")}, {**bearer(token), "Origin": "https://evil.example"})
    assert r.status_code == 200


# MARK: The sweep


def test_many_files_expiring_together_never_stall_other_requests(make_server):
    """300 small files and four of 16 MiB expire at the same second. The sweep removes them in
    bounded steps on the storage thread; requests keep answering meanwhile. The log's debug lines
    say how long each step held the storage thread; the longest is printed for the report."""
    server = make_server(["--log-level", "debug"])
    auth = bearer(server.login())
    ids = [upload_json(server, auth, b"s" * 1000)["id"] for _ in range(300)]
    ids += [upload_json(server, auth, b"L" * (16 * MiB))["id"] for _ in range(4)]
    # Far enough ahead that setting 304 expiries (a durable commit each) ends before it, on a busy box too.
    expiry = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(seconds=10)
    stamp = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
    for file_id in ids:
        assert patch(server, file_id, {"expires_at": stamp}, auth).status_code == 200
    assert time.time() < expiry.timestamp(), "setting the expiries took too long"

    worst = 0.0
    deadline = time.monotonic() + 30
    session = requests.Session()
    while True:
        for path in ("/healthz", "/files?limit=1"):
            started = time.monotonic()
            r = session.get(server.url + path, headers=auth, timeout=10)
            worst = max(worst, time.monotonic() - started)
            assert r.status_code == 200
        if db_query(server.database, "SELECT count(*) FROM files") == [(0,)]:
            break
        assert time.monotonic() < deadline, "the sweep did not finish"
        time.sleep(0.02)

    steps = [float(m.group(1)) for m in (re.search(r"expiry sweep step: .* held the storage thread ([\d.]+) ms", line)
                                         for line in server.lines) if m]
    assert steps, "no sweep step was logged"
    assert sum(1 for line in server.lines if "expiry sweep step" in line) >= 300 // 16
    print(f"expiry sweep: {len(steps)} steps, longest {max(steps):.1f} ms, median {sorted(steps)[len(steps) // 2]:.1f} ms; "
          f"slowest request meanwhile {worst * 1000:.1f} ms")
    assert worst < 1.0, f"a request waited {worst:.2f} s during the sweep"
    assert list_all(server, auth) == []
