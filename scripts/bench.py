"""FileDrop benchmark; see scripts/bench.sh. Medians and ratios, never single runs."""

import http.client
import json
import os
import pathlib
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

BINARY = pathlib.Path(sys.argv[1]).resolve()
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SIZE = int(os.environ.get("BENCH_SIZE", str(1 << 30)))
BLOCK = os.urandom(1 << 20)


class Server:
    def __init__(self, folder):
        self.folder = folder
        env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
        self.proc = subprocess.Popen([str(BINARY), "--port", "0"], cwd=folder, env=env,
                                     stderr=subprocess.PIPE, text=True)
        self.password = None
        for line in self.proc.stderr:
            m = re.match(r"Created user 'admin' with password: (\S+)", line)
            if m:
                self.password = m.group(1)
            m = re.search(r"listening on http://([\d.]+):(\d+)", line)
            if m:
                self.host, self.port = m.group(1), int(m.group(2))
                break
        threading.Thread(target=lambda: [None for _ in self.proc.stderr], daemon=True).start()
        # A real sign-in: since the login hardening a token carries claims only the server makes.
        r = requests.get(self.url + "/login", auth=("admin", self.password), timeout=60)
        assert r.status_code == 200, r.status_code
        self.token = r.json()["token"]

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def status(self, field):
        text = pathlib.Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+) kB", text).group(1)) / 1024

    def reset_peak(self):
        pathlib.Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def login_latency(server, count=21):
    times = []
    for _ in range(count):
        start = time.perf_counter()
        r = requests.get(server.url + "/login", auth=("admin", server.password), timeout=30)
        times.append(time.perf_counter() - start)
        assert r.status_code == 200
    return statistics.median(times) * 1000


def healthz_under_logins(server, seconds=15, logins_per_second=20):
    stop = threading.Event()
    done = []

    def login_once():
        r = requests.get(server.url + "/login", auth=("admin", server.password), timeout=30)
        done.append(r.status_code)

    def logins():
        next_at = time.perf_counter()
        while not stop.is_set():
            threading.Thread(target=login_once, daemon=True).start()
            next_at += 1 / logins_per_second
            time.sleep(max(0, next_at - time.perf_counter()))

    threading.Thread(target=logins, daemon=True).start()
    time.sleep(1)
    connection = http.client.HTTPConnection(server.host, server.port)
    latencies = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - start) * 1000)
        time.sleep(0.005)
    stop.set()
    time.sleep(1)
    return percentile(latencies, 50), percentile(latencies, 99), len(latencies), done.count(200) / (seconds + 1)


def upload(server, description):
    boundary = "benchboundary7f3a"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n{description}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"inputFile\"; filename=\"big.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection(server.host, server.port, timeout=600)
    connection.putrequest("POST", "/upload")
    connection.putheader("Authorization", f"Bearer {server.token}")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + SIZE + len(tail)))
    connection.endheaders()
    start = time.perf_counter()
    connection.send(head)
    sent = 0
    while sent < SIZE:
        piece = BLOCK[: min(len(BLOCK), SIZE - sent)]
        connection.send(piece)
        sent += len(piece)
    connection.send(tail)
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - start
    assert response.status == 201, body
    return elapsed, response.getheader("Location")


def download(server, location):
    connection = http.client.HTTPConnection(server.host, server.port, timeout=600)
    start = time.perf_counter()
    connection.request("GET", location + "/content", headers={"Authorization": f"Bearer {server.token}"})
    response = connection.getresponse()
    total = 0
    while True:
        piece = response.read(1 << 20)
        if not piece:
            break
        total += len(piece)
    elapsed = time.perf_counter() - start
    assert total == SIZE, total
    return elapsed


def dd_speed(folder):
    target = pathlib.Path(folder) / "dd.bin"
    result = subprocess.run(["dd", "if=/dev/zero", f"of={target}", "bs=1M", f"count={SIZE >> 20}", "conv=fsync"],
                            capture_output=True, text=True)
    target.unlink()
    seconds = float(re.search(r"copied, ([\d.]+) s", result.stderr).group(1))
    return SIZE / seconds / 1e6


def main():
    mb = SIZE / 1e6
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR", ".")) as folder:
        server = Server(folder)
        print(f"binary: {BINARY} ({BINARY.stat().st_size / 1e6:.1f} MB)")
        print(f"login latency (median of 21): {login_latency(server):.0f} ms")
        p50, p99, samples, rate = healthz_under_logins(server)
        print(f"GET /healthz while {rate:.1f} logins/s succeed: p50 {p50:.2f} ms, p99 {p99:.2f} ms ({samples} requests)")
        ups, downs, up_peaks, down_peaks, dds = [], [], [], [], []
        for run in range(RUNS):
            server.reset_peak()
            seconds, location = upload(server, f"bench {run}")
            up_peaks.append(server.status("VmHWM"))
            ups.append(mb / seconds)
            server.reset_peak()
            downs.append(mb / download(server, location))
            down_peaks.append(server.status("VmHWM"))
            requests.delete(server.url + location, headers={"Authorization": f"Bearer {server.token}"}, timeout=600)
            dds.append(dd_speed(folder))
        print(f"{SIZE >> 20} MiB upload:   median {statistics.median(ups):.0f} MB/s (runs {', '.join(f'{v:.0f}' for v in ups)}), "
              f"peak RSS (VmHWM) {max(up_peaks):.1f} MiB")
        print(f"{SIZE >> 20} MiB download: median {statistics.median(downs):.0f} MB/s (runs {', '.join(f'{v:.0f}' for v in downs)}), "
              f"peak RSS (VmHWM) {max(down_peaks):.1f} MiB")
        print(f"dd bs=1M conv=fsync on the same disk: median {statistics.median(dds):.0f} MB/s; "
              f"upload/dd {statistics.median(ups) / statistics.median(dds):.2f}")
        server.stop()


if __name__ == "__main__":
    main()
