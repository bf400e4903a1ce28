"""Sharing in a real headless Chromium (the harness of test_browser.py): a share link and a
drop link made on the upload page, then used in a fresh browser with no cookies, the way the
person they were sent to uses them; and the public pages at both widths, with and without
JavaScript, clean under their Content-Security-Policy.

Screenshots land in <repo>/test-artifacts/ (git-ignored): share-page-*.png, share-locked-*.png
and drop-page-*.png at 1280 and 390 px.
"""

import hashlib
import os
import re

import requests

from filedrop_helpers import bearer, list_all
from test_browser import (  # noqa: F401 (browsers is a fixture)
    ARTIFACTS, DESKTOP, PHONE, WAIT, By, browsers, drop_files, needs_browser, pattern_bytes, sign_in, wait_listed,
)


def api_file(server, auth, description, filename, content):
    r = requests.post(server.url + "/upload", files={"inputFile": (filename, content)},
                      data={"description": description}, headers={**auth, "Accept": "application/json"}, timeout=WAIT)
    assert r.status_code == 201, r.text
    return r.json()


def enable_downloads(b, folder):
    """Lets the browser save downloads into `folder` without asking."""
    folder.mkdir(parents=True, exist_ok=True)
    b.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})


def wait_download(b, folder, name):
    path = folder / name
    b.wait(lambda d: path.exists() and not list(folder.glob("*.crdownload")), WAIT, f"{name} was not downloaded")
    return path.read_bytes()


def share_on_the_page(b, file_id, passphrase=None, limit=None):
    """Opens the row's share panel, makes a link; returns its absolute URL as the page shows it."""
    row = b.find(f"#file-{file_id}")
    button = row.find_element(By.CSS_SELECTOR, ".share-btn")
    if button.get_attribute("aria-expanded") != "true":
        button.click()
    panel = b.wait_visible(f"#share-{file_id} form.share-form")
    before = len(b.find_all(f"#share-{file_id} .share-links li"))
    if limit is not None:
        panel.find_element(By.CSS_SELECTOR, 'input[name="max_downloads"]').send_keys(str(limit))
    if passphrase is not None:
        panel.find_element(By.CSS_SELECTOR, 'input[name="passphrase"]').send_keys(passphrase)
    panel.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    b.wait(lambda d: len(b.find_all(f"#share-{file_id} .share-links li")) == before + 1, WAIT, "no new share link listed")
    return b.find(f"#share-{file_id} .share-links li .link-url").get_attribute("value")


def shoot(b, name):
    """A full-page screenshot in test-artifacts/, and the page's width in CSS pixels."""
    b.screenshot(name, full_page=True)
    return b.js("return [document.documentElement.scrollWidth, window.innerWidth]")


@needs_browser
def test_a_share_link_made_on_the_page_downloads_byte_exact_in_a_fresh_browser(server, browsers, tmp_path):
    auth = bearer(server.login())
    content = bytes(range(256)) * 300 + os.urandom(50_001) + b"\x00end"
    f = api_file(server, auth, "Contract draft for Zoë", "contract draft.bin", content)
    owner = browsers(name="owner")
    sign_in(owner, server)
    plain = share_on_the_page(owner, f["id"], limit=2)
    locked = share_on_the_page(owner, f["id"], passphrase="open sesame")
    assert re.fullmatch(re.escape(server.url) + r"/s/[A-Za-z0-9_-]{24}", plain), plain
    items = owner.find_all(f"#share-{f['id']} .share-links li")
    assert "0 of 2 downloads" in items[1].text and "Passphrase" in items[0].text
    owner.assert_clean()

    guest = browsers(name="guest")
    assert guest.driver.get_cookies() == []
    enable_downloads(guest, tmp_path / "plain")
    guest.get(plain)
    guest.wait_css("#download")
    assert guest.text("#shared-name") == "contract draft.bin"
    assert "Contract draft for Zoë" in guest.text("#shared-description")
    assert guest.text("#downloads-left") == "2"
    guest.find("#download").click()
    assert wait_download(guest, tmp_path / "plain", "contract draft.bin") == content
    guest.assert_clean()

    # The passphrase link: the form first, then the file, with the cookie for that link only.
    other = browsers(name="guest-with-passphrase")
    enable_downloads(other, tmp_path / "locked")
    other.get(locked)
    other.wait_css('input[name="passphrase"]')
    assert "contract draft.bin" not in other.driver.page_source
    other.find('input[name="passphrase"]').send_keys("open sesame")
    other.click_and_load(other.find('form[action^="/s/"] button[type="submit"]'))
    other.wait_css("#download")
    cookies = other.driver.get_cookies()
    assert cookies and all(c["name"] != "token" and c["path"] == locked[len(server.url):] for c in cookies)
    assert all(c["httpOnly"] and c.get("sameSite") == "Strict" for c in cookies)
    other.find("#download").click()
    digest = hashlib.sha256(wait_download(other, tmp_path / "locked", "contract draft.bin")).hexdigest()
    assert digest == f["sha256"]
    other.assert_clean()

    owner.driver.refresh()
    owner.wait_css(f"#file-{f['id']} .share-btn").click()
    owner.wait(lambda d: "1 of 2 downloads" in owner.text(f"#share-{f['id']}"), WAIT, "the count did not show")


@needs_browser
def test_a_drop_link_made_on_the_page_takes_two_dropped_files(server, browsers):
    auth = bearer(server.login())
    secret = api_file(server, auth, "Owner's private notes", "private-notes.txt", b"private")
    owner = browsers(name="owner")
    sign_in(owner, server)
    owner.wait_visible("#drops-card")
    owner.find("#drop-label").send_keys("Photos from the trip")
    owner.find("#drop-max-files").send_keys("5")
    owner.find('#drop-link-form button[type="submit"]').click()
    owner.wait_css("#drop-links li")
    drop_url = owner.find("#drop-links li .link-url").get_attribute("value")
    assert re.fullmatch(re.escape(server.url) + r"/d/[A-Za-z0-9_-]{24}", drop_url), drop_url
    # Copy puts the absolute URL on the clipboard.
    owner.driver.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": server.url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    owner.find("#drop-links li .copy-btn").click()
    owner.wait(lambda d: owner.find("#drop-links li .copy-btn").text == "Copied", WAIT, "Copy did not confirm")
    copied = owner.js_async("navigator.clipboard.readText().then(arguments[0], () => arguments[0](null))")
    assert copied == drop_url

    guest = browsers(name="guest")
    guest.get(drop_url)
    guest.wait(lambda d: guest.js("return document.documentElement.classList.contains('js')"), WAIT, "drop.js did not run")
    page = guest.driver.page_source
    for leak in ("private-notes.txt", secret["description"], "admin"):
        assert leak not in page, leak
    assert "Photos from the trip" in guest.text("#drop-label")
    drop_files(guest, [("beach.jpg", 150_000, 3, "image/jpeg"), ("sunset.jpg", 90_000, 4, "image/jpeg")])
    guest.wait_visible("#pending-list > li")
    guest.find("#upload-all").click()
    guest.wait(lambda d: all(li.get_attribute("data-state") == "done" for li in guest.find_all("#pending-list > li")),
               WAIT, "the guest's uploads did not finish")
    guest.assert_clean()
    # With a script the drop zone sends through tus at the link's own /d/TOKEN/uploads.
    assert server.log_text().count("POST /d/REDACTED/uploads 201") == 2, server.log_text()

    owner.driver.refresh()
    for name in ("beach.jpg", "sunset.jpg"):
        wait_listed(owner, name)
    rows = {row.find_element(By.CSS_SELECTOR, ".desc").text: row for row in owner.find_all("#file-rows tr.file-row")}
    for name, size, seed in (("beach.jpg", 150_000, 3), ("sunset.jpg", 90_000, 4)):
        assert rows[name].find_element(By.CSS_SELECTOR, ".col-by").text == "drop:Photos from the trip"
        record = next(x for x in list_all(server, auth) if x["description"] == name)
        assert record["sha256"] == hashlib.sha256(pattern_bytes(size, seed)).hexdigest()
    owner.wait(lambda d: "2 files" in owner.text("#drop-links li"), WAIT, "the drop link's count did not show")
    owner.assert_clean()


@needs_browser
def test_the_public_pages_work_without_javascript(server, browsers, tmp_path):
    auth = bearer(server.login())
    f = api_file(server, auth, "Plain download", "plain.txt", b"no script needed\n")
    share = requests.post(f"{server.url}/files/{f['id']}/links", json={}, headers=auth, timeout=WAIT).json()
    drop = requests.post(server.url + "/drops", json={"label": "Forms only"}, headers=auth, timeout=WAIT).json()
    b = browsers(javascript=False, name="no-script")
    enable_downloads(b, tmp_path)
    b.get(server.url + share["url"])
    b.find("#download").click()
    assert wait_download(b, tmp_path, "plain.txt") == b"no script needed\n"

    b.get(server.url + drop["url"])
    assert not b.find("#drop-card").is_displayed()
    upload = tmp_path / "from a form.txt"
    upload.write_bytes(b"sent by the tutorial's form")
    b.find('#upload-form input[name="inputFile"]').send_keys(str(upload))
    b.find('#upload-form textarea[name="description"]').send_keys("Sent without a script")
    b.click_and_load(b.find("#upload-form #form-submit"))
    assert "uploaded successfully" in b.text(".result-message")
    assert b.find("#back-link").get_attribute("href") == server.url + drop["url"]
    record = next(x for x in list_all(server, auth) if x["description"] == "Sent without a script")
    assert record["uploaded_by"] == "drop:Forms only" and record["filename"] == "from a form.txt"
    b.assert_clean()


@needs_browser
def test_public_page_screenshots(server, browsers):
    """Both public pages (and the passphrase form) at 1280 and 390 px, for a person to look at:
    nothing may scroll sideways, and the pages must keep to their CSP."""
    auth = bearer(server.login())
    f = api_file(server, auth, "Minutes of the annual general meeting, with the budget for next year",
                 "AGM minutes 2025 (final, signed).pdf", b"%PDF" + b"x" * 184_000)
    share = requests.post(f"{server.url}/files/{f['id']}/links", json={"max_downloads": 10}, headers=auth, timeout=WAIT).json()
    locked = requests.post(f"{server.url}/files/{f['id']}/links", json={"passphrase": "pw"}, headers=auth, timeout=WAIT).json()
    drop = requests.post(server.url + "/drops", json={"label": "Receipts for the 2025 tax return", "max_files": 20,
                                                      "max_bytes": 200_000_000}, headers=auth, timeout=WAIT).json()
    for size, tag in ((DESKTOP, "1280"), (PHONE, "390")):
        b = browsers(size=size, name=f"public-{tag}")
        for name, url, ready in (("share-page", share["url"], "#download"), ("share-locked", locked["url"], "#passphrase"),
                                 ("drop-page", drop["url"], "#dropzone")):
            b.get(server.url + url)
            b.wait_visible(ready)
            scroll_width, width = shoot(b, f"{name}-{tag}.png")
            assert scroll_width <= width, f"{name} at {tag} px scrolls sideways ({scroll_width} > {width})"
            assert (ARTIFACTS / f"{name}-{tag}.png").stat().st_size > 5000
        b.assert_clean()
