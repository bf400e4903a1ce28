"""Sharing with people who have no account (SPEC "Sharing: links for people without an
account"), end to end against the built binary: share links (download) and drop links
(upload requests), every status and field of the section, the download count with ranges,
expiry, passphrases by cookie and by Basic with their rate limit, revocation, and what the
public pages and routes never give away.

Tests that only add files and links share one server per module (`srv`, `sauth`); the ones
that count wrong passphrases (per client address, and every test comes from 127.0.0.1), wait
for expiry or read the database file get a server of their own.
"""

import concurrent.futures
import hashlib
import re
import time

import pytest
import requests

from filedrop_helpers import (
    BOUNDARY, assert_nothing_left, bearer, list_all, multipart, multipart_type, raw_connect, raw_head,
    read_response, settled_state, stream_request, text_part, file_part, unique, upload_json,
)

TOKEN_URL = re.compile(r"^/(s|d)/[A-Za-z0-9_-]{22,}$")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SHARE_FIELDS = {"id", "url", "expires_at", "max_downloads", "downloads", "has_passphrase", "created_by", "created_at"}
DROP_FIELDS = {"id", "url", "label", "expires_at", "max_files", "max_bytes", "files", "bytes", "created_by", "created_at"}
WEEK = 7 * 86400


def epoch(rfc3339):
    return time.mktime(time.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone


def stored_file(server, auth, data=b"shared content\n" * 100, filename="shared.txt", content_type="text/plain"):
    return upload_json(server, auth, data, filename=filename, content_type=content_type)


def make_link(server, auth, file_id, expect=201, **fields):
    r = requests.post(f"{server.url}/files/{file_id}/links", json=fields, headers=auth, timeout=30)
    assert r.status_code == expect, r.text
    return r.json()


def make_drop(server, auth, expect=201, **fields):
    fields.setdefault("label", unique("drop"))
    r = requests.post(f"{server.url}/drops", json=fields, headers=auth, timeout=30)
    assert r.status_code == expect, r.text
    return r.json()


def guest_upload(server, drop_url, data, description=None, filename="guest.bin", headers=None):
    """A guest's multipart POST /d/TOKEN/upload, with no session at all."""
    body = multipart(text_part("description", description or unique("guest")), file_part(data, filename=filename))
    h = {"Content-Type": multipart_type(), **(headers or {})}
    return requests.post(server.url + drop_url + "/upload", data=body, headers=h, timeout=60)


def record(server, auth, file_id):
    r = requests.get(f"{server.url}/files/{file_id}", headers=auth, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def basic(passphrase, user="anyone"):
    return requests.auth.HTTPBasicAuth(user, passphrase)


# MARK: Share links, the signed-in side


def test_a_share_link_has_exactly_the_spec_fields(srv, sauth):
    f = stored_file(srv, sauth)
    before = time.time()
    link = make_link(srv, sauth, f["id"], expires_in=3600, max_downloads=4, passphrase="p")
    assert set(link) == SHARE_FIELDS
    assert isinstance(link["id"], int) and TOKEN_URL.match(link["url"]) and link["url"].startswith("/s/")
    assert RFC3339.match(link["expires_at"]) and RFC3339.match(link["created_at"])
    assert abs(epoch(link["expires_at"]) - (before + 3600)) < 5
    assert abs(epoch(link["created_at"]) - before) < 5
    assert (link["max_downloads"], link["downloads"], link["has_passphrase"], link["created_by"]) == (4, 0, True, "admin")

    plain = make_link(srv, sauth, f["id"])
    assert plain["max_downloads"] is None and plain["has_passphrase"] is False
    assert abs(epoch(plain["expires_at"]) - (before + WEEK)) < 5
    assert plain["url"] != link["url"]

    r = requests.get(f"{srv.url}/files/{f['id']}/links", headers=sauth, timeout=30)
    assert r.status_code == 200 and set(r.json()) == {"links"}
    assert {x["id"] for x in r.json()["links"]} == {link["id"], plain["id"]}
    assert next(x for x in r.json()["links"] if x["id"] == link["id"]) == link


@pytest.mark.parametrize("body", [
    {"expires_in": 0}, {"expires_in": -1}, {"expires_in": 1.5}, {"expires_in": "60"}, {"expires_in": 2592001},
    {"max_downloads": 0}, {"max_downloads": -3}, {"max_downloads": 2.5}, {"max_downloads": True},
    {"passphrase": ""}, {"passphrase": 7}, [], "link", 5,
])
def test_bad_share_link_bodies_are_400(srv, sauth, body):
    f = stored_file(srv, sauth)
    r = requests.post(f"{srv.url}/files/{f['id']}/links", json=body, headers=sauth, timeout=30)
    assert r.status_code == 400, (body, r.text)
    assert r.json()["message"]
    assert requests.get(f"{srv.url}/files/{f['id']}/links", headers=sauth, timeout=30).json() == {"links": []}


def test_not_json_is_400_and_unknown_ids_are_404(srv, sauth):
    f = stored_file(srv, sauth)
    r = requests.post(f"{srv.url}/files/{f['id']}/links", data=b"{nope", headers=sauth, timeout=30)
    assert r.status_code == 400
    assert requests.post(f"{srv.url}/files/999999/links", json={}, headers=sauth, timeout=30).status_code == 404
    assert requests.get(f"{srv.url}/files/999999/links", headers=sauth, timeout=30).status_code == 404
    assert requests.delete(f"{srv.url}/links/999999", headers=sauth, timeout=30).status_code == 404
    assert requests.delete(f"{srv.url}/drops/999999", headers=sauth, timeout=30).status_code == 404
    assert requests.get(f"{srv.url}/links/1", headers=sauth, timeout=30).status_code == 405


def test_max_link_ttl_caps_links_and_is_not_clamped(make_server):
    server = make_server(args=["--max-link-ttl", "100"])
    auth = bearer(server.login())
    f = stored_file(server, auth)
    assert make_link(server, auth, f["id"], expect=400, expires_in=101)["message"]
    assert make_drop(server, auth, expect=400, expires_in=101)["message"]
    now = time.time()
    assert abs(epoch(make_link(server, auth, f["id"])["expires_at"]) - (now + 100)) < 5
    assert abs(epoch(make_link(server, auth, f["id"], expires_in=100)["expires_at"]) - (now + 100)) < 5
    assert abs(epoch(make_drop(server, auth)["expires_at"]) - (now + 100)) < 5


# MARK: Share links, the public side


def test_the_shared_content_has_every_header_of_the_signed_in_download(srv, sauth):
    data = bytes(range(256)) * 50
    f = stored_file(srv, sauth, data=data, filename="naïve report.pdf", content_type="application/pdf")
    url = srv.url + make_link(srv, sauth, f["id"])["url"]
    mine = requests.get(f"{srv.url}/files/{f['id']}/content", headers=sauth, timeout=30)
    shared = requests.get(url + "/content", headers={"Authorization": "Bearer not-a-token"}, timeout=30)
    assert shared.status_code == 200 and shared.content == data
    for name in ("Content-Type", "Content-Disposition", "ETag", "Accept-Ranges", "X-Content-Type-Options",
                 "Content-Security-Policy", "Content-Length", "Cache-Control"):
        assert shared.headers.get(name) == mine.headers.get(name), name
    assert shared.headers["Content-Security-Policy"] == "sandbox"
    assert "filename*=UTF-8''na%C3%AFve%20report.pdf" in shared.headers["Content-Disposition"]
    assert shared.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in shared.headers

    head = requests.head(url + "/content", timeout=30)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(data)) and head.content == b""
    ranged = requests.get(url + "/content", headers={"Range": "bytes=100-199"}, timeout=30)
    assert ranged.status_code == 206 and ranged.content == data[100:200]
    assert ranged.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    unsatisfiable = requests.get(url + "/content", headers={"Range": f"bytes={len(data)}-"}, timeout=30)
    assert unsatisfiable.status_code == 416 and unsatisfiable.headers["Content-Range"] == f"bytes */{len(data)}"
    again = requests.get(url + "/content", headers={"If-None-Match": shared.headers["ETag"]}, timeout=30)
    assert again.status_code == 304 and again.content == b""


def test_the_download_count_counts_answers_from_byte_zero_only(srv, sauth):
    data = b"0123456789" * 1000
    f = stored_file(srv, sauth, data=data)
    link = make_link(srv, sauth, f["id"], max_downloads=3)
    url = srv.url + link["url"] + "/content"
    etag = requests.head(url, timeout=30).headers["ETag"]
    # None of these count: HEAD, 304, a range that starts later, an unsatisfiable range.
    assert requests.head(url, timeout=30).status_code == 200
    assert requests.get(url, headers={"If-None-Match": etag}, timeout=30).status_code == 304
    assert requests.get(url, headers={"Range": "bytes=10-"}, timeout=30).status_code == 206
    assert requests.get(url, headers={"Range": "bytes=-10"}, timeout=30).status_code == 206
    assert requests.get(url, headers={"Range": "bytes=99999-"}, timeout=30).status_code == 416
    assert record(srv, sauth, f["id"])["downloads"] == 0
    # These do: a whole answer, and ranges starting at byte 0.
    assert requests.get(url, timeout=30).content == data
    first = requests.get(url, headers={"Range": "bytes=0-9"}, timeout=30)
    assert first.status_code == 206 and first.content == b"0123456789"
    assert requests.get(url, headers={"Range": "bytes=0-"}, timeout=30).status_code == 206
    assert record(srv, sauth, f["id"])["downloads"] == 3
    listed = requests.get(f"{srv.url}/files/{f['id']}/links", headers=sauth, timeout=30).json()["links"]
    assert listed[0]["downloads"] == 3
    # Used up: 410 for everything, the page too; a later range is no way round it.
    for r in (requests.get(url, timeout=30), requests.head(url, timeout=30),
              requests.get(url, headers={"Range": "bytes=10-"}, timeout=30), requests.get(srv.url + link["url"], timeout=30)):
        assert r.status_code == 410
    assert record(srv, sauth, f["id"])["downloads"] == 3


def test_at_most_max_downloads_answers_go_out_at_once(srv, sauth):
    f = stored_file(srv, sauth, data=b"x" * 300_000)
    url = srv.url + make_link(srv, sauth, f["id"], max_downloads=3)["url"] + "/content"
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(lambda _: requests.get(url, timeout=60).status_code, range(20)))
    assert sorted(statuses) == [200] * 3 + [410] * 17, statuses
    assert record(srv, sauth, f["id"])["downloads"] == 3


def test_the_downloads_of_a_file_add_up_over_its_links(srv, sauth):
    f = stored_file(srv, sauth)
    for _ in range(2):
        url = srv.url + make_link(srv, sauth, f["id"])["url"] + "/content"
        assert requests.get(url, timeout=30).status_code == 200
    # The signed-in download is not a link download.
    assert requests.get(f"{srv.url}/files/{f['id']}/content", headers=sauth, timeout=30).status_code == 200
    rec = record(srv, sauth, f["id"])
    assert rec["downloads"] == 2 and rec["drop_id"] is None
    assert next(x for x in list_all(srv, sauth) if x["id"] == f["id"])["downloads"] == 2


def test_a_link_expires(srv, sauth):
    f = stored_file(srv, sauth)
    link = make_link(srv, sauth, f["id"], expires_in=2)
    url = srv.url + link["url"]
    assert requests.get(url + "/content", timeout=30).status_code == 200
    time.sleep(max(0, epoch(link["expires_at"]) - time.time()) + 1.1)
    for r in (requests.get(url + "/content", timeout=30), requests.head(url + "/content", timeout=30),
              requests.get(url, timeout=30)):
        assert r.status_code == 410
    assert "expired" in requests.get(url, timeout=30).text.lower()


def test_revoked_unknown_and_deleted_are_404(srv, sauth):
    f = stored_file(srv, sauth)
    revoked, kept = make_link(srv, sauth, f["id"]), make_link(srv, sauth, f["id"])
    r = requests.delete(f"{srv.url}/links/{revoked['id']}", headers=sauth, timeout=30)
    assert r.status_code == 204 and r.content == b""
    assert requests.delete(f"{srv.url}/links/{revoked['id']}", headers=sauth, timeout=30).status_code == 404
    for path in (revoked["url"], revoked["url"] + "/content", "/s/" + "A" * 24, "/s/" + "A" * 24 + "/content", "/s/abc"):
        assert requests.get(srv.url + path, timeout=30).status_code == 404, path
    assert requests.get(srv.url + kept["url"] + "/content", timeout=30).status_code == 200
    assert [x["id"] for x in requests.get(f"{srv.url}/files/{f['id']}/links", headers=sauth, timeout=30).json()["links"]] \
        == [kept["id"]]
    # Deleting the file takes every link with it.
    assert requests.delete(f"{srv.url}/files/{f['id']}", headers=sauth, timeout=30).status_code == 204
    assert requests.get(srv.url + kept["url"] + "/content", timeout=30).status_code == 404
    assert requests.get(srv.url + kept["url"], timeout=30).status_code == 404
    assert requests.get(f"{srv.url}/files/{f['id']}/links", headers=sauth, timeout=30).status_code == 404


def test_the_share_page_shows_the_file_and_nothing_else(srv, sauth):
    other = stored_file(srv, sauth, filename="other-secret-file.txt")
    f = stored_file(srv, sauth, data=b"y" * 2500, filename="holiday.jpg", content_type="image/jpeg")
    link = make_link(srv, sauth, f["id"], max_downloads=7)
    r = requests.get(srv.url + link["url"], headers={"Accept": "text/html"}, cookies={"token": srv.login()}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/html; charset=utf-8"
    page = r.text
    assert "holiday.jpg" in page and f["description"] in page and "2.5 KB" in page
    assert f'href="{link["url"]}/content"' in page and ">7<" in page
    for leak in ("other-secret-file.txt", other["description"], "admin", "/files", "token"):
        assert leak not in page, leak
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in r.headers


# MARK: Passphrases


def test_a_passphrase_opens_by_basic_or_by_the_pages_cookie(server, auth):
    f = stored_file(server, auth)
    link = make_link(server, auth, f["id"], passphrase="correct horse battery")
    other = make_link(server, auth, f["id"], passphrase="correct horse battery")
    url, other_url = server.url + link["url"], server.url + other["url"]

    locked = requests.get(url, timeout=30)
    assert locked.status_code == 200 and 'name="passphrase"' in locked.text
    assert "shared.txt" not in locked.text and f["description"] not in locked.text and "/content" not in locked.text
    missing = requests.get(url + "/content", timeout=30)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Basic ")
    assert requests.get(url + "/content", auth=basic("wrong"), timeout=30).status_code == 401
    for user in ("", "anyone", "admin"):
        r = requests.get(url + "/content", auth=basic("correct horse battery", user=user), timeout=30)
        assert r.status_code == 200 and r.content == b"shared content\n" * 100

    wrong = requests.post(url, data={"passphrase": "nope"}, allow_redirects=False, timeout=30)
    assert wrong.status_code == 401 and "Set-Cookie" not in wrong.headers and 'name="passphrase"' in wrong.text
    right = requests.post(url, data={"passphrase": "correct horse battery"}, headers={"Origin": "null"},
                          allow_redirects=False, timeout=30)
    assert right.status_code == 303 and right.headers["Location"] == link["url"]
    set_cookie = right.headers["Set-Cookie"]
    name, _, rest = set_cookie.partition("=")
    attributes = [a.strip() for a in set_cookie.split(";")]
    assert name != "token"
    assert f"Path={link['url']}" in attributes and "HttpOnly" in attributes and "SameSite=Strict" in attributes
    max_age = int(next(a for a in attributes if a.startswith("Max-Age=")).split("=")[1])
    assert 0 < max_age <= 3600
    value = attributes[0].split("=", 1)[1]

    opened = requests.get(url, cookies={name: value}, timeout=30)
    assert "shared.txt" in opened.text and f["description"] in opened.text
    assert requests.get(url + "/content", cookies={name: value}, timeout=30).status_code == 200
    # The cookie of one link opens no other, even sent there by hand.
    assert requests.get(other_url + "/content", cookies={name: value}, timeout=30).status_code == 401
    assert 'name="passphrase"' in requests.get(other_url, cookies={name: value}, timeout=30).text


def test_the_passphrase_is_never_stored_or_logged(server, auth):
    f = stored_file(server, auth)
    passphrase = "unmistakable-passphrase-7Qx"
    link = make_link(server, auth, f["id"], passphrase=passphrase)
    assert requests.get(server.url + link["url"] + "/content", auth=basic(passphrase), timeout=30).status_code == 200
    requests.post(server.url + link["url"], data={"passphrase": passphrase}, allow_redirects=False, timeout=30)
    assert server.stop() == 0
    stored = b"".join(p.read_bytes() for p in server.workdir.glob("app.db*"))
    assert passphrase.encode() not in stored
    assert b"$scrypt$" in stored
    assert passphrase not in server.log_text()
    token = link["url"].split("/")[2]
    assert token not in server.log_text() and token.encode() not in stored


def test_twenty_wrong_passphrases_at_once_get_at_most_five_401s(server, auth):
    f = stored_file(server, auth)
    link = make_link(server, auth, f["id"], passphrase="right one")
    url = server.url + link["url"] + "/content"
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda n: requests.get(url, auth=basic(f"guess {n}"), timeout=60), range(20)))
    statuses = [r.status_code for r in answers]
    assert set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) <= 5, statuses
    assert all(r.headers.get("Retry-After", "").isdigit() for r in answers if r.status_code == 429)


def test_five_wrong_passphrases_lock_every_link_but_not_logins(server, auth):
    f = stored_file(server, auth)
    first = make_link(server, auth, f["id"], passphrase="one")
    second = make_link(server, auth, f["id"], passphrase="two")
    for n in range(5):
        target = first if n % 2 else second
        assert requests.get(server.url + target["url"] + "/content", auth=basic(f"bad {n}"), timeout=30).status_code == 401
    locked = requests.get(server.url + first["url"] + "/content", auth=basic("one"), timeout=30)
    assert locked.status_code == 429 and 1 <= int(locked.headers["Retry-After"]) <= 60
    form = requests.post(server.url + second["url"], data={"passphrase": "two"}, allow_redirects=False, timeout=30)
    assert form.status_code == 429 and "Set-Cookie" not in form.headers
    page = requests.get(server.url + first["url"], timeout=30)
    assert 'name="passphrase"' in page.text and "shared.txt" not in page.text
    # Failed logins are counted apart: signing in still works.
    assert server.login()
    # A link without a passphrase is no passphrase attempt.
    assert requests.get(server.url + make_link(server, auth, f["id"])["url"] + "/content", timeout=30).status_code == 200


# MARK: Drop links


def test_a_drop_link_has_exactly_the_spec_fields(srv, sauth):
    before = time.time()
    drop = make_drop(srv, sauth, label="  Scans for the accountant  ", expires_in=600, max_files=3, max_bytes=5000)
    assert set(drop) == DROP_FIELDS
    assert TOKEN_URL.match(drop["url"]) and drop["url"].startswith("/d/")
    assert drop["label"] == "Scans for the accountant"
    assert abs(epoch(drop["expires_at"]) - (before + 600)) < 5 and RFC3339.match(drop["created_at"])
    assert (drop["max_files"], drop["max_bytes"], drop["files"], drop["bytes"], drop["created_by"]) == (3, 5000, 0, 0, "admin")
    plain = make_drop(srv, sauth)
    assert plain["max_files"] is None and plain["max_bytes"] is None
    assert abs(epoch(plain["expires_at"]) - (before + WEEK)) < 5
    listed = requests.get(srv.url + "/drops", headers=sauth, timeout=30)
    assert listed.status_code == 200 and set(listed.json()) == {"drops"}
    by_id = {d["id"]: d for d in listed.json()["drops"]}
    assert by_id[drop["id"]] == drop and by_id[plain["id"]] == plain


@pytest.mark.parametrize("body", [
    {}, {"label": ""}, {"label": "   "}, {"label": 3}, {"label": "x" * 101}, {"label": "tab\there"},
    {"label": "x", "expires_in": 0}, {"label": "x", "max_files": 0}, {"label": "x", "max_files": 1.5},
    {"label": "x", "max_bytes": -1}, {"label": "x", "max_bytes": "10"}, ["x"],
])
def test_bad_drop_bodies_are_400(srv, sauth, body):
    r = requests.post(srv.url + "/drops", json=body, headers=sauth, timeout=30)
    assert r.status_code == 400, (body, r.text)


def test_a_guests_file_is_an_ordinary_stored_file_of_the_drop(srv, sauth):
    drop = make_drop(srv, sauth, label="Holiday pictures")
    data = bytes(range(256)) * 4000
    description = unique("from a guest")
    r = guest_upload(srv, drop["url"], data, description=description, filename="../../beach.png",
                     headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 201, r.text
    assert r.text == "file beach.png uploaded successfully"
    assert "Location" not in r.headers and r.headers["Referrer-Policy"] == "no-referrer"
    listed = next(x for x in list_all(srv, sauth) if x["description"] == description)
    assert listed["uploaded_by"] == "drop:Holiday pictures" and listed["drop_id"] == drop["id"]
    assert listed["filename"] == "beach.png" and listed["size"] == len(data)
    assert listed["sha256"] == hashlib.sha256(data).hexdigest()
    assert requests.get(f"{srv.url}/files/{listed['id']}/content", headers=sauth, timeout=30).content == data

    as_json = guest_upload(srv, drop["url"], b"json", headers={"Accept": "application/json"})
    assert as_json.status_code == 201
    assert set(as_json.json()) == {"description", "filename", "content_type", "size", "sha256", "created_at"}
    now = next(d for d in requests.get(srv.url + "/drops", headers=sauth, timeout=30).json()["drops"] if d["id"] == drop["id"])
    assert (now["files"], now["bytes"]) == (2, len(data) + 4)


def test_the_drop_page_leaks_no_stored_file(srv, sauth):
    secret = stored_file(srv, sauth, filename="payroll-2025-secret.xlsx")
    drop = make_drop(srv, sauth, label="Send me the slides", max_files=4)
    guest = guest_upload(srv, drop["url"], b"slides", description=unique("slides"), filename="slides-v1.pdf")
    assert guest.status_code == 201
    for cookies in ({}, {"token": srv.login()}):
        r = requests.get(srv.url + drop["url"], cookies=cookies, timeout=30)
        assert r.status_code == 200
        page = r.text
        assert "Send me the slides" in page and "3 more files" in page
        assert f'action="{drop["url"]}/upload"' in page and 'name="inputFile"' in page and 'name="description"' in page
        for leak in ("payroll-2025-secret.xlsx", secret["description"], "slides-v1.pdf", "admin", "/files",
                     "Log out", cookies.get("token", "no cookie sent")):
            assert leak not in page, leak
        assert r.headers["Referrer-Policy"] == "no-referrer" and "Set-Cookie" not in r.headers


def test_past_max_files_is_403_and_nothing_is_kept(srv, sauth):
    drop = make_drop(srv, sauth, max_files=1)
    assert guest_upload(srv, drop["url"], b"first").status_code == 201
    listed, state = list_all(srv, sauth), settled_state(srv)
    refused = guest_upload(srv, drop["url"], b"second")
    assert refused.status_code == 403 and refused.json()["message"]
    assert_nothing_left(srv, sauth, listed, state)
    # Deleting what it received does not give the link its budget back.
    received = next(x for x in listed if x["drop_id"] == drop["id"])
    assert requests.delete(f"{srv.url}/files/{received['id']}", headers=sauth, timeout=30).status_code == 204
    assert guest_upload(srv, drop["url"], b"third").status_code == 403


def test_past_max_bytes_is_413_before_the_body_when_the_length_is_known(srv, sauth):
    drop = make_drop(srv, sauth, max_bytes=4 << 20)
    listed, state = list_all(srv, sauth), settled_state(srv)
    # Headers only, with Expect: the answer comes instead of 100 Continue, no body sent.
    with raw_connect(srv) as sock:
        sock.sendall(raw_head("POST", drop["url"] + "/upload", {
            "Content-Type": multipart_type(), "Content-Length": str(64 << 20), "Expect": "100-continue"}))
        status, headers, body = read_response(sock)
    assert status == 413 and b"room" in body
    # And without Expect, before the body too: the answer is there with no byte of it sent.
    with raw_connect(srv) as sock:
        sock.sendall(raw_head("POST", drop["url"] + "/upload", {
            "Content-Type": multipart_type(), "Content-Length": str(64 << 20)}))
        status, _, _ = read_response(sock)
    assert status == 413
    assert_nothing_left(srv, sauth, listed, state)


def test_past_max_bytes_chunked_is_413_as_soon_as_it_passes(srv, sauth):
    drop = make_drop(srv, sauth, max_bytes=1 << 20)
    assert guest_upload(srv, drop["url"], b"a" * ((1 << 20) - 10)).status_code == 201
    listed, state = list_all(srv, sauth), settled_state(srv)
    body = multipart(text_part("description", unique()), file_part(b"b" * 11))
    status, _, _ = stream_request(srv, drop["url"] + "/upload", {"Content-Type": multipart_type()}, [body], length=None)
    assert status == 413
    assert_nothing_left(srv, sauth, listed, state)
    # Exactly what is left still fits.
    assert guest_upload(srv, drop["url"], b"c" * 10).status_code == 201


def test_drop_expiry_and_revocation_keep_the_files(srv, sauth):
    short = make_drop(srv, sauth, expires_in=2)
    revoked = make_drop(srv, sauth, label="soon revoked")
    kept = guest_upload(srv, revoked["url"], b"kept", description=unique("kept"))
    assert kept.status_code == 201
    assert requests.delete(f"{srv.url}/drops/{revoked['id']}", headers=sauth, timeout=30).status_code == 204
    assert requests.delete(f"{srv.url}/drops/{revoked['id']}", headers=sauth, timeout=30).status_code == 404
    assert requests.get(srv.url + revoked["url"], timeout=30).status_code == 404
    assert guest_upload(srv, revoked["url"], b"late").status_code == 404
    assert revoked["id"] not in [d["id"] for d in requests.get(srv.url + "/drops", headers=sauth, timeout=30).json()["drops"]]
    assert any(x["uploaded_by"] == "drop:soon revoked" and x["drop_id"] == revoked["id"] for x in list_all(srv, sauth))
    time.sleep(max(0, epoch(short["expires_at"]) - time.time()) + 1.1)
    assert requests.get(srv.url + short["url"], timeout=30).status_code == 410
    assert guest_upload(srv, short["url"], b"late").status_code == 410


def test_a_guests_description_clash_is_409(srv, sauth):
    taken = stored_file(srv, sauth)
    drop = make_drop(srv, sauth)
    listed, state = list_all(srv, sauth), settled_state(srv)
    r = guest_upload(srv, drop["url"], b"clash", description=taken["description"])
    assert r.status_code == 409
    assert_nothing_left(srv, sauth, listed, state)
    assert next(d for d in requests.get(srv.url + "/drops", headers=sauth, timeout=30).json()["drops"]
                if d["id"] == drop["id"])["files"] == 0


def test_a_guest_reaches_no_signed_in_route(srv, sauth):
    drop = make_drop(srv, sauth)
    token = drop["url"].split("/")[2]
    attempts = [("GET", "/"), ("GET", "/files"), ("GET", "/files/1"), ("GET", "/files/1/content"),
                ("DELETE", "/files/1"), ("GET", "/drops"), ("POST", "/drops"), ("GET", "/files/1/links"),
                ("POST", "/files/1/links"), ("DELETE", "/links/1"), ("POST", "/upload")]
    for method, path in attempts:
        for how in ({"headers": {"Authorization": f"Bearer {token}"}}, {"params": {"token": token}},
                    {"cookies": {"token": token}}, {}):
            r = requests.request(method, srv.url + path, timeout=30, **how)
            assert r.status_code == 401, (method, path, how, r.status_code)


def test_link_routes_follow_the_csrf_rule(srv, sauth):
    f = stored_file(srv, sauth)
    cookie = {"token": srv.login()}
    foreign = {"Origin": "http://evil.example"}
    same = {"Origin": srv.url}
    assert requests.post(f"{srv.url}/files/{f['id']}/links", json={}, cookies=cookie, headers=foreign, timeout=30).status_code == 403
    assert requests.post(srv.url + "/drops", json={"label": "x"}, cookies=cookie, headers=foreign, timeout=30).status_code == 403
    assert requests.get(f"{srv.url}/files/{f['id']}/links", headers=sauth, timeout=30).json() == {"links": []}
    link = requests.post(f"{srv.url}/files/{f['id']}/links", json={}, cookies=cookie, headers=same, timeout=30)
    drop = requests.post(srv.url + "/drops", json={"label": "x"}, cookies=cookie, headers=same, timeout=30)
    assert link.status_code == 201 and drop.status_code == 201
    for path in (f"/links/{link.json()['id']}", f"/drops/{drop.json()['id']}"):
        assert requests.delete(srv.url + path, cookies=cookie, headers={"Origin": "null"}, timeout=30).status_code == 403
        assert requests.delete(srv.url + path, cookies=cookie, headers={"Referer": "http://evil.example/x"},
                               timeout=30).status_code == 403
        assert requests.delete(srv.url + path, cookies=cookie, headers=same, timeout=30).status_code == 204
    # The public routes are outside it: a form posted under no-referrer says Origin: null.
    public = make_link(srv, sauth, f["id"], passphrase="pw")
    r = requests.post(srv.url + public["url"], data={"passphrase": "pw"}, headers={"Origin": "null"},
                      cookies=cookie, allow_redirects=False, timeout=30)
    assert r.status_code == 303


def test_the_access_log_never_shows_a_links_token(srv, sauth):
    f = stored_file(srv, sauth)
    share = make_link(srv, sauth, f["id"])
    drop = make_drop(srv, sauth)
    requests.get(srv.url + share["url"] + "/content", timeout=30)
    guest_upload(srv, drop["url"], b"logged")
    time.sleep(0.2)
    log = srv.log_text()
    assert "/s/REDACTED/content" in log and "/d/REDACTED/upload" in log
    for url in (share["url"], drop["url"]):
        assert url.split("/")[2] not in log


# MARK: With file lifetimes and quotas


def test_an_expired_file_takes_its_links_with_it(srv, sauth):
    r = requests.post(srv.url + "/upload", files={"inputFile": ("brief.txt", b"short-lived")},
                      data={"description": unique("brief"), "expires_in": "2"},
                      headers={**sauth, "Accept": "application/json"}, timeout=30)
    assert r.status_code == 201, r.text
    f = r.json()
    link = make_link(srv, sauth, f["id"])
    assert requests.get(srv.url + link["url"] + "/content", timeout=30).status_code == 200
    time.sleep(max(0, epoch(f["expires_at"]) - time.time()) + 1.1)
    assert requests.get(srv.url + link["url"] + "/content", timeout=30).status_code == 404
    assert requests.get(srv.url + link["url"], timeout=30).status_code == 404
    assert requests.get(f"{srv.url}/files/{f['id']}/links", headers=sauth, timeout=30).status_code == 404


def test_a_guests_file_counts_against_the_drop_creators_quota(server, auth):
    drop = make_drop(server, auth)
    result = server.run_cli("user", "quota", "admin", "100000")
    assert result.returncode == 0, result.stderr
    time.sleep(1.5)  # a running server takes a quota set from the CLI within a second
    listed, state = list_all(server, auth), settled_state(server)
    r = guest_upload(server, drop["url"], b"q" * 150_000)
    assert r.status_code == 507, r.text
    assert_nothing_left(server, auth, listed, state)
    assert guest_upload(server, drop["url"], b"q" * 60_000).status_code == 201
    # The guest's file is counted in the creator's use: 40 KB are left, not 100.
    assert guest_upload(server, drop["url"], b"q" * 50_000).status_code == 507
    assert upload_json(server, auth, b"u" * 30_000)["uploaded_by"] == "admin"
    page = requests.get(server.url + "/", headers=auth, timeout=30).text
    assert "90 KB" in page


def test_behind_a_trusted_proxy_the_forwarded_client_is_limited_and_the_cookie_secure(make_server):
    server = make_server(args=["--trusted-proxy", "127.0.0.1"])
    auth = bearer(server.login())
    f = stored_file(server, auth)
    link = make_link(server, auth, f["id"], passphrase="pw")
    url = server.url + link["url"]

    def attempt(client, passphrase):
        return requests.post(url, data={"passphrase": passphrase}, allow_redirects=False, timeout=30,
                             headers={"X-Forwarded-For": client, "X-Forwarded-Proto": "https"})

    for n in range(5):
        assert attempt("203.0.113.5", f"bad {n}").status_code == 401
    assert attempt("203.0.113.5", "pw").status_code == 429
    # Another client behind the same proxy is not locked out, and over https its cookie is Secure.
    opened = attempt("198.51.100.7", "pw")
    assert opened.status_code == 303
    assert "Secure" in [a.strip() for a in opened.headers["Set-Cookie"].split(";")]
