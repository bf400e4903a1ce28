"""The connection cap (SPEC "Operations"): when every slot is taken, a newcomer takes the slot
of the connection that has sent the least (idle keep-alive first, then the slowest request
head); only when none can be freed is it refused, at once. One address holds at most
--max-connections-per-address of them. Other clients are served through all of it.

Loopback has many addresses (127.0.0.0/8), so "another host" is a socket bound to 127.0.0.2."""

import socket
import time
import urllib.parse

import requests


def address(server):
    u = urllib.parse.urlsplit(server.url)
    return u.hostname, u.port


def connect(server, source="127.0.0.1", timeout=5):
    sock = socket.socket()
    sock.settimeout(timeout)
    sock.bind((source, 0))
    sock.connect(address(server))
    return sock


def healthz(sock):
    """One keep-alive GET /healthz on `sock`; the status line, or b"" when the server closed."""
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            piece = sock.recv(4096)
            if not piece:
                break
            answer += piece
        return answer.split(b"\r\n")[0]
    except (ConnectionResetError, BrokenPipeError):
        return b""


def is_closed(sock, wait=1.0):
    sock.settimeout(wait)
    try:
        return sock.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def settle():
    time.sleep(0.3)  # let the event loop accept what is in the backlog


def test_hundreds_of_idle_sockets_from_one_host_lock_nobody_out(server):
    held = []
    try:
        for _ in range(600):
            held.append(connect(server))
        settle()
        # Another host is served at once...
        other = connect(server, source="127.0.0.2")
        started = time.monotonic()
        assert healthz(other) == b"HTTP/1.1 200 OK"
        assert time.monotonic() - started < 2
        other.close()
        # ...and so is a newcomer from the same host: it takes an idle slot.
        again = connect(server)
        assert healthz(again) == b"HTTP/1.1 200 OK"
        again.close()
        assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
    finally:
        for sock in held:
            sock.close()


def test_idle_keep_alive_goes_first_then_the_slowest_head(make_server):
    server = make_server(args=["--max-connections", "3"])
    long_head = connect(server)
    long_head.sendall(b"GET /healthz HTTP/1.1\r\n")  # a head in progress, 23 bytes so far
    short_head = connect(server)
    short_head.sendall(b"GET")  # 3 bytes so far
    idle = connect(server)
    assert healthz(idle) == b"HTTP/1.1 200 OK"  # kept alive, idle now
    settle()

    first = connect(server)
    first.sendall(b"GET /heal")  # 9 bytes
    settle()
    assert is_closed(idle), "the idle keep-alive connection should have made room"
    assert not is_closed(long_head, 0.2) and not is_closed(short_head, 0.2)

    # No connection is idle now: the head that has sent the least goes.
    second = connect(server)
    second.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert second.recv(4096).startswith(b"HTTP/1.1 200")
    assert is_closed(short_head), "the slowest head should have made room"
    assert not is_closed(long_head, 0.2) and not is_closed(first, 0.2)
    first.sendall(b"thz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert first.recv(4096).startswith(b"HTTP/1.1 200")
    for sock in (long_head, short_head, idle, first, second):
        sock.close()


def test_a_newcomer_is_refused_at_once_when_no_slot_can_be_freed(make_server):
    server = make_server(args=["--max-connections", "2"])
    token = server.login()
    busy = []
    for _ in range(2):
        # Requests in the middle of their bodies: never evicted.
        sock = connect(server)
        sock.sendall(f"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     f"Content-Length: 100\r\n\r\n{{".encode())
        busy.append(sock)
    settle()
    refused = connect(server)
    started = time.monotonic()
    assert healthz(refused) == b""
    assert time.monotonic() - started < 2
    for sock in busy:
        assert not is_closed(sock, 0.2)
        sock.close()
    refused.close()
    settle()
    assert requests.get(server.url + "/healthz", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200


def test_one_address_holds_at_most_its_share(make_server):
    server = make_server(args=["--max-connections", "20", "--max-connections-per-address", "4"])
    busy = []
    for _ in range(4):
        sock = connect(server)
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        busy.append(sock)
    settle()
    # A fifth from the same address finds nothing of its own to free: refused at once...
    fifth = connect(server)
    assert healthz(fifth) == b""
    fifth.close()
    # ...while another address is served.
    other = connect(server, source="127.0.0.2")
    assert healthz(other) == b"HTTP/1.1 200 OK"
    other.close()
    for sock in busy:
        assert not is_closed(sock, 0.1)
        sock.close()


def test_the_per_address_cap_frees_that_address_s_own_idle_connections(make_server):
    server = make_server(args=["--max-connections", "20", "--max-connections-per-address", "2"])
    first = connect(server)
    assert healthz(first) == b"HTTP/1.1 200 OK"
    second = connect(server)
    assert healthz(second) == b"HTTP/1.1 200 OK"
    third = connect(server)
    assert healthz(third) == b"HTTP/1.1 200 OK"
    assert is_closed(first), "the address's longest-idle connection should have made room"
    for sock in (first, second, third):
        sock.close()


def test_a_trusted_proxy_is_held_only_to_the_overall_cap(make_server):
    # Behind a reverse proxy every client shares the proxy's address.
    server = make_server(args=["--max-connections", "20", "--max-connections-per-address", "2",
                               "--trusted-proxy", "127.0.0.1/32"])
    busy = []
    for _ in range(5):
        sock = connect(server)
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        busy.append(sock)
    settle()
    newcomer = connect(server)
    assert healthz(newcomer) == b"HTTP/1.1 200 OK"
    for sock in busy + [newcomer]:
        assert not is_closed(sock, 0.1)
        sock.close()
