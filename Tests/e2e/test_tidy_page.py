"""The page's tools for a tidy file list, in a real headless Chromium (see test_browser.py for the
harness): the search box with and without JavaScript, the expiry column, editing a file in place
(a new description, an expiry, a refusal shown in place), the storage use, and all of it at
390 px without sideways scrolling."""

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from test_browser import (  # noqa: F401 - fixtures are used by name
    PHONE, WAIT, api_files, api_upload, browser, browsers, listed_descriptions, needs_browser,
    row_for, shape_of, sign_in,
)

SEEDS = [("Über café receipts", "receipts.txt"), ("Quarterly report", "q3.pdf"), ("holiday photos", "img.jpg")]


def seed(server):
    token = server.login()
    for description, filename in SEEDS:
        api_upload(server, token, description, filename, description.encode())
    return token


@needs_browser
def test_search_without_javascript_is_a_get_form(server, browsers):
    seed(server)
    b = browsers(javascript=False)
    sign_in(b, server)
    assert sorted(listed_descriptions(b)) == sorted(d for d, _ in SEEDS)
    field = b.find("#search-input")
    assert field.get_attribute("name") == "q"
    assert b.js("return arguments[0].labels.length", field) == 1
    field.send_keys("uber")
    b.click_and_load(b.find('#search-form button[type="submit"]'))
    assert b.driver.current_url.endswith("/?q=uber")
    assert listed_descriptions(b) == ["Über café receipts"]
    assert b.find("#search-input").get_attribute("value") == "uber"
    # "Show all" goes back to every file.
    b.click_and_load(b.find("#search-form .clear-search"))
    assert len(listed_descriptions(b)) == len(SEEDS)
    b.assert_clean()


@needs_browser
def test_search_as_you_type(server, browser):
    seed(server)
    b = browser
    sign_in(b, server)
    b.js("window.__fdSamePage = true")
    b.find("#search-input").send_keys("REP")
    b.wait(lambda d: listed_descriptions(b) == ["Quarterly report"], WAIT, f"{listed_descriptions(b)}")
    assert b.driver.current_url.endswith("/?q=REP")
    b.find("#search-input").send_keys(Keys.ESCAPE)
    b.wait(lambda d: len(listed_descriptions(b)) == len(SEEDS), WAIT, f"{listed_descriptions(b)}")
    b.find("#search-input").send_keys("zzz")
    b.wait(lambda d: b.find("#empty-state").is_displayed(), WAIT, "the empty state was not shown")
    assert b.find("#empty-state").text == "No files match your search."
    assert b.js("return window.__fdSamePage === true"), "the page reloaded"
    b.assert_clean()


@needs_browser
def test_edit_a_description_and_an_expiry_in_place(server, browser):
    token = seed(server)
    b = browser
    sign_in(b, server)
    b.js("window.__fdSamePage = true")
    row = row_for(b, "holiday photos")
    assert row.find_element(By.CSS_SELECTOR, ".col-expires").text == "Never"
    row.find_element(By.CSS_SELECTOR, ".edit-btn").click()
    field = b.wait_css("tr.edit-row input[name=description]")
    assert b.js("return document.activeElement === arguments[0]", field)
    assert b.js("return arguments[0].labels.length", field) == 1
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("beach & <b>sun</b>")
    Select(b.find("tr.edit-row select[name=expiry]")).select_by_value("86400")
    field.send_keys(Keys.ENTER)
    b.wait(lambda d: "beach & <b>sun</b>" in listed_descriptions(b), WAIT, f"{listed_descriptions(b)}")
    assert not b.find_all("tr.edit-row")
    [record] = [f for f in api_files(server, token) if f["description"] == "beach & <b>sun</b>"]
    assert record["expires_at"] is not None
    edited = row_for(b, "beach & <b>sun</b>")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", edited.find_element(By.CSS_SELECTOR, ".col-expires").text)
    assert b.js("return document.activeElement.classList.contains('edit-btn')")

    # The row the script rendered is the row the server renders.
    script_row = shape_of(b, f"#file-{record['id']}")
    b.driver.refresh()
    b.wait_css(f"#file-{record['id']}")
    assert shape_of(b, f"#file-{record['id']}") == script_row
    b.assert_clean()


@needs_browser
def test_an_edit_refused_by_the_server_shows_in_place(server, browser):
    seed(server)
    b = browser
    sign_in(b, server)
    row_for(b, "holiday photos").find_element(By.CSS_SELECTOR, ".edit-btn").click()
    field = b.wait_css("tr.edit-row input[name=description]")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("Quarterly report")
    field.send_keys(Keys.ENTER)
    b.wait(lambda d: b.find("tr.edit-row .edit-error").text, WAIT, "no error shown")
    assert b.find("tr.edit-row .edit-error").text == "Another file already has this description."
    assert b.js("return document.activeElement === arguments[0]", field)
    # Escape closes the form and leaves the file as it was.
    field.send_keys(Keys.ESCAPE)
    b.wait(lambda d: not b.find_all("tr.edit-row"), WAIT, "the form did not close")
    assert "holiday photos" in listed_descriptions(b)
    b.forget_log(lambda e: "status of 409" in e["message"])
    b.assert_clean()


@needs_browser
def test_storage_use_and_the_phone_layout(server, browsers):
    seed(server)
    assert server.run_cli("user", "quota", "admin", "5000000").returncode == 0
    b = browsers(size=PHONE, name="phone")
    sign_in(b, server)
    b.wait(lambda d: "quota" in b.find("#storage-usage").text, WAIT, "the quota is not shown")
    assert re.fullmatch(r"You use \d+ B of your 5\.0 MB quota.*", b.find("#storage-usage").text.replace("\n", " "))
    assert b.js("return document.documentElement.scrollWidth") <= 390
    row_for(b, "Quarterly report").find_element(By.CSS_SELECTOR, ".edit-btn").click()
    b.wait_css("tr.edit-row input[name=description]")
    assert b.js("return document.documentElement.scrollWidth") <= 390
    b.screenshot("tidy-edit-390.png", full_page=True)
    b.assert_clean()
