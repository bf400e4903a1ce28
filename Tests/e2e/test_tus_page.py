"""The upload page's resumable uploads, in headless Chromium against the built binary (SPEC
"Resumable uploads": the drop zone sends files through tus; a dropped connection or a server
restart resumes by itself with back-off; a page reload offers to resume a file chosen again;
each file has pause and resume), and a drop link's page, which does the same through the
link's own /d/TOKEN/uploads. The browser harness is the browser suite's."""

import hashlib
import re
import time

import requests

from filedrop_helpers import MiB, bearer, db_query, list_all
from test_browser import (  # noqa: F401 - browser and browsers are fixtures
    BEFOREUNLOAD_PREVENTED, WAIT, browser, browsers, needs_browser, pattern_bytes, pending_items, sign_in,
)

# A fixed modification time: the page knows a file again by its name, size and this.
LAST_MODIFIED = 1_700_000_000_000


def drop_same_file(b, name, size, seed):
    """Drops a File made in the page with pattern_bytes(size, seed) content and a fixed
    modification time, so that dropping it again after a reload is the same file to the page."""
    b.js("""
      const [name, size, seed, lastModified] = arguments;
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 131 + seed * 7 + (i >> 9)) & 0xFF;
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, {type: 'application/octet-stream', lastModified}));
      const zone = document.getElementById('dropzone');
      for (const type of ['dragenter', 'dragover', 'drop']) {
        zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
      }
    """, name, size, seed, LAST_MODIFIED)


def throttle(b, bytes_per_second):
    b.driver.execute_cdp_cmd("Network.enable", {})
    b.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": bytes_per_second})


def stored_offset(server):
    """The offset of the one unfinished upload, read from the database beside the server."""
    rows = db_query(server.database, "SELECT upload_offset FROM tus_uploads WHERE finished_at IS NULL")
    return rows[0][0] if rows else None


def wait_for_offset(server, at_least):
    deadline = time.monotonic() + WAIT
    while (stored_offset(server) or 0) < at_least:
        assert time.monotonic() < deadline, f"the upload did not reach {at_least} bytes: {stored_offset(server)}"
        time.sleep(0.05)
    return stored_offset(server)


def resumed_offsets(server):
    """The offsets the server's PATCHes started from (debug log), in order."""
    return [int(m.group(1)) for m in re.finditer(r"writing from offset (\d+) of \d+", server.log_text())]


def creations(server):
    return server.log_text().count("POST /uploads ")


def assert_stored(server, name, size, seed):
    [record] = [f for f in list_all(server, bearer(server.login())) if f["filename"] == name]
    assert record["size"] == size
    assert record["sha256"] == hashlib.sha256(pattern_bytes(size, seed)).hexdigest()
    return record


@needs_browser
def test_a_server_restart_mid_upload_is_waited_out_and_the_upload_goes_on(make_server, browser):
    server = make_server(args=["--log-level", "debug"])
    b = browser
    sign_in(b, server)
    size = 12 * MiB + 321
    throttle(b, 1_000_000)
    drop_same_file(b, "restart.bin", size, 4)
    b.find("#upload-all").click()
    before = wait_for_offset(server, 2 * MiB)
    assert creations(server) == 1

    port = server.address[1]
    server.kill()  # stopped in the middle of a PATCH
    b.wait(lambda d: "Connection lost" in pending_items(b)[0]["meta"] + b.text("#pending-list .pending-state"),
           WAIT, f"the page did not notice: {pending_items(b)}")
    server.args += ["--port", str(port)]
    server.start()  # same port, same database
    kept = stored_offset(server)
    assert kept >= before > 0, "acknowledged bytes were lost"
    throttle(b, -1)
    b.wait(lambda d: pending_items(b)[0]["state"] == "done", 60, f"the upload did not finish: {pending_items(b)}")

    assert_stored(server, "restart.bin", size, 4)
    # The restarted server saw no new upload, only the same one going on from where it was.
    assert creations(server) == 0, server.log_text()
    offsets = resumed_offsets(server)
    assert offsets and offsets[0] >= kept > 0, offsets
    b.forget_log(lambda e: "ERR_CONNECTION" in e["message"] or "ERR_EMPTY_RESPONSE" in e["message"])
    b.assert_clean()


@needs_browser
def test_pause_resume_and_a_reload_that_offers_to_go_on(make_server, browser):
    server = make_server(args=["--log-level", "debug"])
    b = browser
    sign_in(b, server)
    size = 12 * MiB + 5
    throttle(b, 1_500_000)
    drop_same_file(b, "reload.bin", size, 9)
    [item] = pending_items(b)
    b.find(f"#{item['inputId']}").send_keys(" (draft)")
    b.find("#upload-all").click()
    wait_for_offset(server, MiB)

    # Pause: the upload stops, the page may be left, the button offers to resume.
    b.find("#pending-list .pending-pause").click()
    b.wait(lambda d: pending_items(b)[0]["state"] == "paused", WAIT, f"{pending_items(b)}")
    assert b.find("#pending-list .pending-pause").text == "Resume"
    assert b.js(BEFOREUNLOAD_PREVENTED) is False, "a paused upload holds the page"
    time.sleep(0.5)
    paused_at = stored_offset(server)
    time.sleep(0.5)
    assert stored_offset(server) == paused_at > 0

    # Resume, then reload while it is on its way again: the page asks before leaving.
    b.find("#pending-list .pending-pause").click()
    b.wait(lambda d: (stored_offset(server) or 0) > paused_at, WAIT, "resume did not send more")
    assert b.js(BEFOREUNLOAD_PREVENTED) is True
    b.find("#pending-list .pending-pause").click()
    b.wait(lambda d: pending_items(b)[0]["state"] == "paused", WAIT, f"{pending_items(b)}")
    b.driver.refresh()
    b.wait(lambda d: b.js("return document.documentElement.classList.contains('js')"), WAIT, "no page after reload")
    assert b.find_all("#pending-list > li") == []

    # The same file chosen again: the page offers to go on with the earlier upload.
    drop_same_file(b, "reload.bin", size, 9)
    b.wait_visible("#pending-list .pending-offer")
    offer = b.text("#pending-list .pending-offer")
    assert re.search(r"\d+ % of this file was uploaded before", offer), offer
    [item] = pending_items(b)
    assert item["description"] == "reload.bin (draft)"
    assert b.find(f"#{item['inputId']}").get_attribute("readonly") is not None
    throttle(b, -1)
    b.find("#upload-all").click()
    b.wait(lambda d: pending_items(b)[0]["state"] == "done", 60, f"{pending_items(b)}")

    record = assert_stored(server, "reload.bin", size, 9)
    assert record["description"] == "reload.bin (draft)"
    assert creations(server) == 1, "the file started over"
    offsets = resumed_offsets(server)
    assert len(offsets) >= 2 and offsets[0] == 0 and offsets[-1] > 0, offsets
    assert b.js("return Object.keys(localStorage).filter((k) => k.startsWith('filedrop-upload:'))") == []
    # A PATCH right after a pause may find the server still storing what the paused one sent
    # (409); the client asks where the upload stands and goes on.
    b.forget_log(lambda e: re.search(r"/uploads/[\w-]+ - .* status of 409", e["message"]))
    b.assert_clean()


@needs_browser
def test_start_over_removes_the_earlier_upload(make_server, browser):
    server = make_server()
    b = browser
    sign_in(b, server)
    size = 8 * MiB
    throttle(b, 2_000_000)
    drop_same_file(b, "again.bin", size, 2)
    b.find("#upload-all").click()
    wait_for_offset(server, MiB)
    b.find("#pending-list .pending-pause").click()
    b.wait(lambda d: pending_items(b)[0]["state"] == "paused", WAIT, f"{pending_items(b)}")
    b.driver.refresh()
    b.wait(lambda d: b.js("return document.documentElement.classList.contains('js')"), WAIT, "no page after reload")
    drop_same_file(b, "again.bin", size, 2)
    b.wait_visible("#pending-list .pending-offer .btn").click()
    b.wait(lambda d: db_query(server.database, "SELECT COUNT(*) FROM tus_uploads") == [(0,)], WAIT,
           "the earlier upload was not removed")
    assert not b.find("#pending-list .pending-offer").is_displayed()
    assert b.find("#pending-list input[type=text]").get_attribute("readonly") is None
    throttle(b, -1)
    b.find("#upload-all").click()
    b.wait(lambda d: pending_items(b)[0]["state"] == "done", 60, f"{pending_items(b)}")
    assert_stored(server, "again.bin", size, 2)
    assert db_query(server.database, "SELECT COUNT(*) FROM chunks") == [(8,)]
    b.assert_clean()


@needs_browser
def test_a_guest_on_a_drop_page_resumes_through_the_links_tus_collection(make_server, browser):
    """The drop link's page sends through tus at /d/TOKEN/uploads: a guest with no session
    waits out a server restart mid-upload and the same upload goes on, past zero."""
    server = make_server(args=["--log-level", "debug"])
    auth = bearer(server.login())
    drop = requests.post(server.url + "/drops", json={"label": "Restart test"}, headers=auth, timeout=30).json()
    b = browser
    b.get(server.url + drop["url"])
    b.wait(lambda d: b.js("return document.documentElement.classList.contains('js')"), WAIT, "drop.js did not run")
    size = 12 * MiB + 77
    throttle(b, 1_000_000)
    drop_same_file(b, "guest-restart.bin", size, 6)
    b.find("#upload-all").click()
    before = wait_for_offset(server, 2 * MiB)
    assert server.log_text().count("POST /d/REDACTED/uploads 201") == 1

    port = server.address[1]
    server.kill()
    b.wait(lambda d: "Connection lost" in pending_items(b)[0]["meta"] + b.text("#pending-list .pending-state"),
           WAIT, f"the page did not notice: {pending_items(b)}")
    server.args += ["--port", str(port)]
    server.start()
    kept = stored_offset(server)
    assert kept >= before > 0, "acknowledged bytes were lost"
    throttle(b, -1)
    b.wait(lambda d: pending_items(b)[0]["state"] == "done", 60, f"the upload did not finish: {pending_items(b)}")

    record = assert_stored(server, "guest-restart.bin", size, 6)
    assert record["uploaded_by"] == "drop:Restart test" and record["drop_id"] == drop["id"]
    log = server.log_text()
    assert "POST /d/REDACTED/uploads" not in log and "PATCH /d/REDACTED/uploads/" in log, log
    offsets = resumed_offsets(server)
    assert offsets and offsets[0] >= kept > 0, offsets
    b.forget_log(lambda e: "ERR_CONNECTION" in e["message"] or "ERR_EMPTY_RESPONSE" in e["message"])
    b.assert_clean()
