"""Search, end to end (SPEC "File lifetime, editing, search and quotas"): `GET /files?q=`
matches word prefixes of descriptions and file names, case- and accent-insensitively, newest
first, with keyset paging bound to the search; the page's search box works without script."""

import re
import time

import pytest
import requests

from filedrop_helpers import bearer, db_query, list_all, upload_json

FILES = [
    ("Quarterly report Q3", "q3-report_final.PDF"),
    ("Über café receipts", "receipts.txt"),
    ("holiday photos", "IMG_0001.jpg"),
    ("Notes for the naïve reader", "notes.md"),
    ("a OR b and \"quotes\"", "logic*.txt"),
    ("Straße map", "map.png"),
]


@pytest.fixture(scope="module")
def library(make_module_server):
    server = make_module_server()
    auth = bearer(server.login())
    ids = {}
    for description, filename in FILES:
        ids[description] = upload_json(server, auth, description.encode(), description=description, filename=filename)["id"]
    return server, auth, ids


def search(server, auth, q, **params):
    r = requests.get(server.url + "/files", params={"q": q, **params}, headers=auth, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def found(server, auth, q):
    return [f["description"] for f in search(server, auth, q)["files"]]


@pytest.mark.parametrize("q, expected", [
    ("report", ["Quarterly report Q3"]),
    ("rep", ["Quarterly report Q3"]),  # a prefix
    ("REPORT", ["Quarterly report Q3"]),  # case
    ("Quarterly Q3", ["Quarterly report Q3"]),  # every word, any order
    ("final pdf", ["Quarterly report Q3"]),  # words of the file name
    ("receipts cafe", ["Über café receipts"]),
    ("über", ["Über café receipts"]),  # with its accent
    ("uber", ["Über café receipts"]),  # without
    ("UBER CAFÉ", ["Über café receipts"]),
    ("naive", ["Notes for the naïve reader"]),
    ("img 0001", ["holiday photos"]),
    ("port", []),  # not a word prefix
    ("holiday report", []),
    ("OR", ['a OR b and "quotes"']),  # a word, not an operator
    ('"quotes"', ['a OR b and "quotes"']),
    ("logic*", ['a OR b and "quotes"']),
    ("*", [d for d, _ in reversed(FILES)]),  # no words: everything
    ("", [d for d, _ in reversed(FILES)]),
    ("NEAR(a b)", []),  # NEAR is a word here, and no file has it
    ("description:holiday", []),  # no column filters: "description" is just a word
    ("straße", ["Straße map"]),
])
def test_search_finds_word_prefixes(library, q, expected):
    server, auth, _ = library
    assert found(server, auth, q) == expected


def test_paging_with_a_search(library):
    server, auth, _ = library
    pages, cursor = [], None
    while True:
        params = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = search(server, auth, "r", **params)
        pages.append([f["description"] for f in page["files"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    everything = [d for d in found(server, auth, "r")]
    assert sum(pages, []) == everything and len(pages) >= 2
    # A cursor belongs to its search.
    first = search(server, auth, "r", limit=1)
    r = requests.get(server.url + "/files", params={"q": "holiday", "cursor": first["next_cursor"]}, headers=auth,
                     timeout=10)
    assert r.status_code == 400
    r = requests.get(server.url + "/files", params={"cursor": first["next_cursor"]}, headers=auth, timeout=10)
    assert r.status_code == 400
    same = requests.get(server.url + "/files", params={"q": "R", "cursor": first["next_cursor"]}, headers=auth,
                        timeout=10)
    assert same.status_code == 200


def test_a_search_too_long_is_400(library):
    server, auth, _ = library
    r = requests.get(server.url + "/files", params={"q": "a" * 201}, headers=auth, timeout=10)
    assert r.status_code == 400 and "q" in r.json()["message"]
    r = requests.get(server.url + "/files", params={"q": " ".join(["w"] * 17)}, headers=auth, timeout=10)
    assert r.status_code == 400


def test_the_search_text_is_kept_in_the_access_log(library):
    server, auth, _ = library
    search(server, auth, "holiday")
    deadline = time.monotonic() + 5
    while not any(re.search(r"GET /files\?q=holiday 200 ", line) for line in server.lines):
        assert time.monotonic() < deadline, server.log_text()[-2000:]
        time.sleep(0.05)


def listed_rows(html):
    """The descriptions of the rows the server rendered (not the row <template>)."""
    html = re.sub(r"<template.*?</template>", "", html, flags=re.S)
    return re.findall(r'<span class="desc">([^<]*)</span>', html)


def test_the_page_searches_without_script(library):
    """The search box is a GET form with field q: the server renders the results."""
    server, auth, _ = library
    token = auth["Authorization"].split()[1]
    page = requests.get(server.url + "/", params={"q": "uber"}, cookies={"token": token}, timeout=10)
    assert page.status_code == 200
    html = page.text
    assert re.search(r'<form[^>]*method="get"[^>]*action="/"', html)
    assert re.search(r'<input type="search" id="search-input" name="q" value="uber"', html)
    assert listed_rows(html) == ["Über café receipts"]
    nothing = requests.get(server.url + "/", params={"q": "zzzz"}, cookies={"token": token}, timeout=10).text
    assert listed_rows(nothing) == []
    assert "No files match your search." in nothing
    everything = requests.get(server.url + "/", cookies={"token": token}, timeout=10).text
    assert len(listed_rows(everything)) == len(list_all(server, auth))


def test_new_files_are_indexed_in_the_background_and_a_search_never_misses_one(server, auth):
    """An upload's commit leaves the search index alone (four pages fewer to sync): the files
    are indexed a tick after the database changed, many in one commit, and a search that
    comes first indexes them itself, so it finds a file whose 201 came just before."""
    def indexed():
        return db_query(server.database, "SELECT count(*) FROM files_search_docsize")[0][0]

    for i in range(3):
        upload_json(server, auth, b"x", description=f"fresh drop {i}", filename="fresh.txt")
        assert found(server, auth, f"fresh drop {i}") == [f"fresh drop {i}"]
    assert indexed() == 3
    for i in range(3, 40):
        upload_json(server, auth, b"x", description=f"fresh drop {i}", filename="fresh.txt")
    deadline = time.monotonic() + 5
    while indexed() < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert indexed() == 40
    assert db_query(server.database, "SELECT indexed_through FROM search_progress") == \
        db_query(server.database, "SELECT max(id) FROM files")
    assert len(found(server, auth, "fresh")) == 40 and found(server, auth, "drop 39") == ["fresh drop 39"]
