"""Search latency with 10,000 files (SPEC: the first page of a search answers within 50 ms over
loopback). Part of `make bench`; see scripts/bench.sh.

Stores BENCH_SEARCH_FILES files (default 10,000) through POST /upload, with descriptions and
file names drawn from a fixed vocabulary (some words in most files, some in few, accented ones
too), then times GET /files?q=... (the first page, 100 records) for several kinds of search,
BENCH_SEARCH_REPEATS times each over one kept-alive loopback connection, and prints the median
and p99 of each and of all of them together.
"""

import concurrent.futures
import http.client
import json
import os
import pathlib
import random
import statistics
import sys
import tempfile
import time
import urllib.parse

from bench import Server, percentile

FILES = int(os.environ.get("BENCH_SEARCH_FILES", "10000"))
REPEATS = int(os.environ.get("BENCH_SEARCH_REPEATS", "200"))

COMMON = ["report", "photo", "invoice", "notes", "draft", "final", "scan", "backup"]
RARE = ["Über", "café", "naïve", "Zürich", "façade", "smörgåsbord", "jalapeño", "crème"]
FILLER = [f"{a}{b}" for a in ("ka", "lo", "mi", "ne", "pu", "ra", "si", "to", "vu", "ze")
          for b in ("bar", "cen", "dor", "fin", "gal", "hur", "jem", "kos", "lum", "mar")]
EXTENSIONS = ["pdf", "jpg", "txt", "docx", "zip"]

QUERIES = {
    "common word (about 1 file in 4)": "report",
    "one-letter prefix (most files)": "r",
    "two-letter prefix": "ka",
    "rare word, typed without its accent": "uber",
    "rare word with its accent": "Zürich",
    "three words, all required": "final scan 2024",
    "a word in file names": "docx",
    "no match": "zzzz",
}


def description_and_name(rng, n):
    words = [rng.choice(FILLER) for _ in range(rng.randint(2, 5))]
    if rng.random() < 0.25:
        words.insert(rng.randrange(len(words) + 1), rng.choice(COMMON))
    if rng.random() < 0.02:
        words.append(rng.choice(RARE))
    if rng.random() < 0.3:
        words.append(str(rng.choice([2022, 2023, 2024])))
    name = "_".join(rng.sample(FILLER, 2)) + f"-{n}.{rng.choice(EXTENSIONS)}"
    return " ".join(words) + f" #{n}", name


def upload(server, description, filename):
    boundary = "benchsearchboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n{description}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"inputFile\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n{description}\r\n--{boundary}--\r\n").encode()
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    connection.request("POST", "/upload", body=body, headers={
        "Authorization": f"Bearer {server.token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 201, response.status


def time_search(connection, server, q, cursor=None):
    params = {"q": q}
    if cursor:
        params["cursor"] = cursor
    start = time.perf_counter()
    connection.request("GET", "/files?" + urllib.parse.urlencode(params),
                       headers={"Authorization": f"Bearer {server.token}"})
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status == 200, body
    return elapsed, json.loads(body)


def main():
    rng = random.Random(12)
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR", ".")) as folder:
        server = Server(folder)
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda n: upload(server, *description_and_name(random.Random(n), n)), range(FILES)))
        print(f"search: stored {FILES} files in {time.perf_counter() - started:.0f} s "
              f"(database {sum(p.stat().st_size for p in pathlib.Path(folder).glob('app.db*')) / 1e6:.1f} MB)")
        connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
        everything = []
        for label, q in QUERIES.items():
            times = []
            for _ in range(REPEATS):
                elapsed, page = time_search(connection, server, q)
                times.append(elapsed)
            everything += times
            matched = len(page["files"])
            more = " (more pages)" if page["next_cursor"] else ""
            print(f"search {label:38} q={q!r:14} {matched:3} on page 1{more:13} "
                  f"median {statistics.median(times):5.2f} ms, p99 {percentile(times, 99):5.2f} ms")
        # The next page of a common word, by its cursor.
        _, first = time_search(connection, server, "report")
        times = [time_search(connection, server, "report", first["next_cursor"])[0] for _ in range(REPEATS)]
        everything += times
        print(f"search {'second page of the common word':38} {'':14} {'':27} "
              f"median {statistics.median(times):5.2f} ms, p99 {percentile(times, 99):5.2f} ms")
        print(f"search, all {len(everything)} requests: median {statistics.median(everything):.2f} ms, "
              f"p99 {percentile(everything, 99):.2f} ms, worst {max(everything):.2f} ms")
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
