"""Accounts and tokens end to end: the tutorial's login done right (SPEC "Accounts and
tokens", the auth rows of the HTTP API)."""

import base64
import json
import time

import jwt
import pytest
import requests

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict, payload: dict, key: bytes, alg="sha256") -> str:
    import hashlib
    import hmac
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    sig = hmac.new(key, signing_input.encode(), getattr(hashlib, alg)).digest()
    return signing_input + "." + b64url(sig)


def status_with(server, token):
    return requests.get(server.url + "/files", headers={"Authorization": f"Bearer {token}"}, timeout=10)


# MARK: login

def test_basic_login_returns_a_token_pyjwt_can_decode(server):
    r = requests.get(server.url + "/login", auth=("admin", server.admin_password), timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert body["expires_in"] == 1200
    header = jwt.get_unverified_header(body["token"])
    assert header == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(body["token"], server.key, algorithms=["HS256"])
    assert claims["user"] == claims["sub"] == "admin"
    assert claims["exp"] - claims["iat"] == 1200
    assert abs(claims["iat"] - time.time()) < 5
    assert len(claims["jti"]) >= 16

def test_a_browser_without_credentials_gets_the_login_page(server):
    r = requests.get(server.url + "/login", headers=HTML, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert 'name="username"' in r.text and 'name="password"' in r.text
    assert "WWW-Authenticate" not in r.headers


def test_form_login_sets_the_session_cookie_and_redirects(server):
    s = requests.Session()
    r = s.post(server.url + "/login", data={"username": "admin", "password": server.admin_password},
               headers=HTML, allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["Location"] == "/"
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("token=")
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"]:
        assert attribute in cookie
    page = s.get(server.url + "/", headers=HTML, timeout=10)
    assert page.status_code == 200
    assert 'name="inputFile"' in page.text and 'enctype="multipart/form-data"' in page.text


def test_failed_form_login_shows_the_page_again_with_the_error(server):
    r = requests.post(server.url + "/login", data={"username": "admin", "password": "nope"},
                      headers=HTML, allow_redirects=False, timeout=30)
    assert r.status_code == 401
    assert "text/html" in r.headers["Content-Type"]
    assert "Wrong user name or password" in r.text
    assert "Set-Cookie" not in r.headers


def test_json_login(server):
    r = requests.post(server.url + "/login", json={"username": "admin", "password": server.admin_password}, timeout=30)
    assert r.status_code == 200 and r.json()["expires_in"] == 1200
    r = requests.post(server.url + "/login", json={"username": "admin", "password": "no"}, timeout=30)
    assert r.status_code == 401 and r.json() == {"message": "Unable to verify"}


# MARK: protection

def test_token_missing_and_invalid(server):
    r = requests.get(server.url + "/files", timeout=10)
    assert r.status_code == 401 and r.json() == {"message": "Token missing"}
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = status_with(server, "not.a.token")
    assert r.status_code == 401 and r.json() == {"message": "Invalid token"}
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_browser_without_a_token_gets_the_login_page_with_401(server):
    r = requests.get(server.url + "/", headers=HTML, timeout=10)
    assert r.status_code == 401
    assert 'name="password"' in r.text


def test_upload_is_protected(server):
    r = requests.post(server.url + "/upload", files={"inputFile": ("a", b"x")}, data={"description": "d"}, timeout=10)
    assert r.status_code == 401 and r.json() == {"message": "Token missing"}


def test_token_from_header_query_and_cookie(server, token):
    assert status_with(server, token).status_code == 200
    assert requests.get(server.url + "/files", params={"token": token}, timeout=10).status_code == 200
    assert requests.get(server.url + "/files", cookies={"token": token}, timeout=10).status_code == 200
    # The header comes first: a bad header is not rescued by a good cookie.
    r = requests.get(server.url + "/files", headers={"Authorization": "Bearer bad"}, cookies={"token": token}, timeout=10)
    assert r.status_code == 401


def test_page_reached_with_query_token_gets_the_cookie(server, token):
    r = requests.get(server.url + "/", params={"token": token}, headers=HTML, timeout=10)
    assert r.status_code == 200
    assert r.headers["Set-Cookie"].startswith(f"token={token};")


def test_pyjwt_tokens_are_accepted(server):
    now = int(time.time())
    full = jwt.encode({"user": "admin", "sub": "admin", "iat": now, "exp": now + 600, "jti": "abc123"}, server.key, algorithm="HS256")
    assert status_with(server, full).status_code == 200
    tutorial = jwt.encode({"user": "admin", "exp": now + 1200}, server.key, algorithm="HS256")
    assert status_with(server, tutorial).status_code == 200


def attack_tokens(key: bytes):
    now = int(time.time())
    good = {"user": "admin", "sub": "admin", "iat": now, "exp": now + 600, "jti": "x1"}
    valid = forge({"alg": "HS256", "typ": "JWT"}, good, key)
    h, p, s = valid.split(".")
    yield "alg none", b64url(b'{"alg":"none","typ":"JWT"}') + "." + p + "."
    yield "alg NoNe", b64url(b'{"alg":"NoNe"}') + "." + p + "." + s
    yield "empty signature", h + "." + p + "."
    yield "other key", forge({"alg": "HS256", "typ": "JWT"}, good, b"k" * 32)
    yield "HS384", forge({"alg": "HS384", "typ": "JWT"}, good, key, "sha384")
    yield "HS512", forge({"alg": "HS512", "typ": "JWT"}, good, key, "sha512")
    yield "RS256 header", b64url(b'{"alg":"RS256","typ":"JWT"}') + "." + p + "." + s
    yield "exp missing", forge({"alg": "HS256"}, {"user": "admin", "sub": "admin", "iat": now}, key)
    yield "expired an hour ago", forge({"alg": "HS256"}, {**good, "iat": now - 7200, "exp": now - 3600}, key)
    yield "nbf an hour ahead", forge({"alg": "HS256"}, {**good, "nbf": now + 3600}, key)
    yield "iat an hour ahead", forge({"alg": "HS256"}, {**good, "iat": now + 3600}, key)
    yield "bad base64url", h + "." + p + "=" + "." + s
    yield "header not JSON", b64url(b"not json") + "." + p + "." + s
    yield "payload not JSON", h + "." + b64url(b"[1,2") + "." + s
    yield "two segments", h + "." + p
    yield "four segments", valid + "." + s
    yield "9 KiB", forge({"alg": "HS256"}, {**good, "pad": "a" * 9216}, key)
    yield "tampered payload", h + "." + b64url(json.dumps({**good, "sub": "root", "user": "root"}).encode()) + "." + s
    yield "unknown user", forge({"alg": "HS256"}, {**good, "sub": "ghost", "user": "ghost"}, key)


def test_attacks_are_rejected_with_invalid_token(server):
    for name, token in attack_tokens(server.key):
        r = status_with(server, token)
        assert r.status_code == 401, name
        assert r.json() == {"message": "Invalid token"}, name


# MARK: revocation

def test_logout_revokes_the_token_and_clears_the_cookie(server, token):
    r = requests.post(server.url + "/logout", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 204
    assert "token=;" in r.headers["Set-Cookie"] and "Max-Age=0" in r.headers["Set-Cookie"]
    assert status_with(server, token).status_code == 401
    # Survives a restart: the revocation is stored.
    server.stop()
    server.start()
    assert status_with(server, token).status_code == 401


def test_logout_of_a_tutorial_token_without_jti(server):
    tutorial = jwt.encode({"user": "admin", "exp": int(time.time()) + 600}, server.key, algorithm="HS256")
    assert requests.post(server.url + "/logout", params={"token": tutorial}, timeout=10).status_code == 204
    assert status_with(server, tutorial).status_code == 401


def wait_until_rejected(server, token, seconds=1.5):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if status_with(server, token).status_code == 401:
            return time.time()
        time.sleep(0.05)
    return None


def test_passwd_revokes_older_tokens_on_the_running_server_within_a_second(server, token):
    started = time.time()
    result = server.run_cli("user", "passwd", "admin", "--password-stdin", input="new-password\n")
    assert result.returncode == 0, result.stderr
    assert wait_until_rejected(server, token, 1.0 + (time.time() - started)) is not None
    assert requests.get(server.url + "/login", auth=("admin", server.admin_password), timeout=30).status_code == 401
    fresh = server.login(password="new-password")
    assert status_with(server, fresh).status_code == 200


def test_remove_invalidates_the_users_tokens_within_a_second(server):
    assert server.run_cli("user", "add", "bob", "--password-stdin", input="bobpw\n").returncode == 0
    token = server.login("bob", "bobpw")  # at once: the login reads the database, not the snapshot
    assert status_with(server, token).status_code == 200
    assert server.run_cli("user", "remove", "bob").returncode == 0
    assert wait_until_rejected(server, token) is not None


# MARK: brute force

# MARK: CSRF

def cookie_post(server, token, headers):
    return requests.post(server.url + "/logout", cookies={"token": token}, headers=headers, timeout=10, allow_redirects=False)


@pytest.mark.parametrize("headers,expected", [
    ({"Origin": "http://evil.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Referer": "http://evil.example/page"}, 403),
    ({}, 204),
])
def test_cookie_authenticated_changes_must_come_from_the_same_origin(server, token, headers, expected):
    assert cookie_post(server, token, headers).status_code == expected


def test_same_origin_cookie_post_and_foreign_bearer_are_allowed(server, token):
    origin = server.url
    assert cookie_post(server, token, {"Origin": origin}).status_code == 204
    other = server.login()
    r = requests.post(server.url + "/logout", headers={"Authorization": f"Bearer {other}", "Origin": "http://evil.example"}, timeout=10)
    assert r.status_code == 204


def test_cookie_delete_from_another_site_is_refused(server, token):
    r = requests.delete(server.url + "/files/1", cookies={"token": token}, headers={"Origin": "http://evil.example"}, timeout=10)
    assert r.status_code == 403


# MARK: secrets stay secret

def test_logs_never_show_tokens_or_passwords(server):
    tokens = [server.login() for _ in range(3)]
    requests.get(server.url + "/login", auth=("admin", "WrongPassword123"), timeout=30)
    requests.get(server.url + "/files", params={"token": tokens[0]}, timeout=10)
    requests.post(server.url + "/login", data={"username": "admin", "password": "AnotherWrong456"}, timeout=30)
    time.sleep(0.3)
    log = server.log_text()
    after_banner = log.split("Change it with: app user passwd admin", 1)[1]
    assert server.admin_password not in after_banner
    for secret in ["WrongPassword123", "AnotherWrong456", server.key.decode(), *tokens, *(t.split(".")[2] for t in tokens)]:
        assert secret not in log
    assert "token=REDACTED" in log


# MARK: the user command

def test_user_commands(server):
    assert server.run_cli("user", "add", "carol", "--password-stdin", input="pw\n").returncode == 0
    listing = server.run_cli("user", "list")
    assert listing.returncode == 0
    names = [line.split()[0] for line in listing.stdout.splitlines()]
    assert names == ["admin", "carol"]
    assert server.run_cli("user", "add", "carol", "--password-stdin", input="pw\n").returncode != 0
    for bad in ["", "a:b", "x" * 65, "tab\there"]:
        result = server.run_cli("user", "add", bad, "--password-stdin", input="pw\n")
        assert result.returncode != 0, bad
    empty = server.run_cli("user", "add", "dave", "--password-stdin", input="\n")
    assert empty.returncode != 0 and "empty" in empty.stderr
    assert server.run_cli("user", "remove", "nobody").returncode != 0


def test_form_logout_redirects_home_and_clears_the_cookie(server, token):
    r = requests.post(server.url + "/logout", cookies={"token": token}, data={},
                      headers={**HTML, "Origin": server.url}, allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"] == "/"
    assert "token=;" in r.headers["Set-Cookie"] and "Max-Age=0" in r.headers["Set-Cookie"]
    assert status_with(server, token).status_code == 401
