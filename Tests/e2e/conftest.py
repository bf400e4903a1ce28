"""End-to-end fixtures: start the built `app` as a separate process on a free port with a
temporary database and key, and talk to it over a real socket the way a user does.

Per test (a fresh database and key each time):
    server, token, auth     a server with the default settings, an admin token, its header
    make_server(args, env)  more servers, or servers with other settings
Per module (one server for all of a module's tests that only add files; faster):
    srv, sauth              a server with the default settings and an admin token's header
    make_module_server      more module-wide servers (other settings, prepared content)

When a test fails, the log (stderr) of every server it used is shown with the failure.
The helpers these fixtures use, and that tests use directly, are in filedrop_helpers.py.
"""

import pytest

from filedrop_helpers import BINARY, Server, bearer


def pytest_sessionstart(session):
    if not BINARY.is_file():
        raise pytest.UsageError(f"no FileDrop binary at {BINARY}: run `make test`, or set FILEDROP_BINARY")


class ServerFactory:
    """Starts servers, each in a folder of its own; kills every one of them at the end."""

    def __init__(self, folder_for):
        self._folder_for = folder_for
        self.servers = []

    def __call__(self, args=(), env=None, workdir=None, binary=None) -> Server:
        folder = workdir or self._folder_for(len(self.servers))
        folder.mkdir(parents=True, exist_ok=True)
        server = Server(folder, args, env, binary=binary)
        self.servers.append(server)
        return server.start()

    def kill_all(self):
        for server in self.servers:
            server.kill()


@pytest.fixture
def make_server(tmp_path):
    """Factory: make_server(args=[...], env={...}) starts a server in a fresh folder."""
    factory = ServerFactory(lambda n: tmp_path / f"server{n}")
    yield factory
    factory.kill_all()


@pytest.fixture
def server(make_server):
    """A fresh server (fresh database and key) for one test."""
    return make_server()


@pytest.fixture
def token(server):
    return server.login()


@pytest.fixture
def auth(token):
    return bearer(token)


@pytest.fixture(scope="module")
def make_module_server(tmp_path_factory):
    """Factory like make_server, for servers that live as long as the test module."""
    factory = ServerFactory(lambda n: tmp_path_factory.mktemp(f"module-server{n}"))
    yield factory
    factory.kill_all()


@pytest.fixture(scope="module")
def srv(make_module_server):
    """One server shared by the tests of a module that only add files."""
    return make_module_server()


@pytest.fixture(scope="module")
def sauth(srv):
    return bearer(srv.login())


def _servers_of(item):
    """The servers a test reached through its fixtures."""
    found = []
    for value in item.funcargs.values():
        candidates = value if isinstance(value, tuple) else (value,)
        for candidate in candidates:
            if isinstance(candidate, Server):
                found.append(candidate)
            elif isinstance(candidate, ServerFactory):
                found.extend(candidate.servers)
    return list(dict.fromkeys(found))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attaches the servers' logs to a failing test's report: the server's side of the story."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.when in ("setup", "call"):
        for n, server in enumerate(_servers_of(item)):
            report.sections.append((f"server {n} log ({server.workdir})", server.log_text()[-20000:]))


def pytest_collection_modifyitems(items):
    """The browser suite, the longest module, runs first: on the two workers `make test` uses
    (one module per worker at a time), the other modules then run beside it, not after it."""
    items.sort(key=lambda item: getattr(item.module, "__name__", "") != "test_browser")
