"""Browser suite: a real headless Chromium (through Selenium and chromedriver) drives the built
server the way a person does — sign in through the form, drop files on the drop zone, use the
tutorial's form with JavaScript on and off, download, delete, page, log out — and checks that
the page never trips its Content-Security-Policy and logs no console errors.

Run: cd /work/main && python3 -m pytest Tests/e2e/test_browser.py -x -q
Screenshots land in <repo>/test-artifacts/ (git-ignored).
"""

import base64
import hashlib
import html.parser
import os
import re
import shutil
import time

import pytest
import requests

from filedrop_helpers import ROOT, bearer, list_all, upload_json

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - reported as a skip below
    webdriver = None

ASSETS = ROOT / "Assets"
ARTIFACTS = ROOT / "test-artifacts"

PHONE = (390, 844)
DESKTOP = (1280, 900)
WAIT = 30  # seconds for anything the server has to do


def _find(env, names, fallbacks):
    candidate = os.environ.get(env)
    if candidate:
        return candidate if os.path.exists(candidate) else None
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    for path in fallbacks:
        if os.path.exists(path):
            return path
    return None


CHROMIUM = _find("CHROMIUM_BINARY", ["chromium", "chromium-browser", "google-chrome"],
                 ["/usr/bin/chromium", "/usr/lib/chromium/chromium"])
CHROMEDRIVER = _find("CHROMEDRIVER", ["chromedriver"],
                     ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"])

if webdriver is None:
    _SKIP_REASON = "selenium is not installed (pip install selenium)"
elif CHROMIUM is None:
    _SKIP_REASON = "chromium is not installed (apt-get install chromium)"
elif CHROMEDRIVER is None:
    _SKIP_REASON = "chromedriver is not installed (apt-get install chromium-driver)"
else:
    _SKIP_REASON = None

# In CI the make targets install the browser: a missing one is a broken set-up, not a skip.
if _SKIP_REASON is not None and os.environ.get("CI"):
    raise RuntimeError(f"browser suite cannot run in CI: {_SKIP_REASON}")

needs_browser = pytest.mark.skipif(_SKIP_REASON is not None, reason=_SKIP_REASON or "")


# --------------------------------------------------------------------------- browser harness

# Runs before any page script (CDP Page.addScriptToEvaluateOnNewDocument; not subject to the
# page's CSP). Every CSP violation is recorded in the page and echoed to the console log, which
# survives navigation, so nothing is lost between pages.
CSP_LISTENER = r"""
(() => {
  if (window.__fdCspInstalled) return;
  window.__fdCspInstalled = true;
  window.__fdCsp = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    const record = {
      directive: e.violatedDirective || e.effectiveDirective,
      blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber,
      sample: e.sample, page: String(location.href),
    };
    window.__fdCsp.push(record);
    console.warn('[fd-csp-violation] ' + JSON.stringify(record));
  }, true);
})();
"""

# Console messages that a passing run produces on purpose: the browser logs every HTTP error
# answer as a SEVERE "network" entry, and these flows provoke some by design (the login page is
# answered with 401 when no session exists or the password is wrong; a duplicate description
# is 409; a file over the limit is 413).
EXPECTED_NETWORK_ERRORS = re.compile(
    r"^\S+/(login|logout|upload|uploads)?(\?\S*)? - Failed to load resource: "
    r"the server responded with a status of (401|409|413)\b"
)


def pattern_bytes(size: int, seed: int) -> bytes:
    """Deterministic content, produced identically by page_file_js() inside the browser."""
    return bytes(((i * 131 + seed * 7 + (i >> 9)) & 0xFF) for i in range(size))


class Browser:
    """One Chromium session plus everything collected from it."""

    def __init__(self, javascript=True, size=DESKTOP, name="browser"):
        self.name = name
        self.javascript = javascript
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                    "--disable-extensions", "--lang=en-US", "--force-color-profile=srgb",
                    "--hide-scrollbars", f"--window-size={size[0]},{size[1]}"):
            options.add_argument(arg)
        if not javascript:
            options.add_argument("--blink-settings=scriptEnabled=false")
            options.add_experimental_option(
                "prefs", {"profile.managed_default_content_settings.javascript": 2})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # Dialogs (confirm) are handled explicitly by the tests.
        options.set_capability("unhandledPromptBehavior", "ignore")
        service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_page_load_timeout(WAIT)
        self.driver.set_script_timeout(WAIT)
        self.set_size(size)
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                    {"source": CSP_LISTENER})
        self.log = []

    # -- plumbing

    def quit(self):
        try:
            self.drain()
        except Exception:  # noqa: BLE001 - the browser may already be gone
            pass
        self.driver.quit()

    def set_size(self, size):
        self.driver.set_window_size(*size)
        # The window size includes no browser chrome in headless mode, but make the
        # viewport exact anyway so screenshots are the requested widths.
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": size[0], "height": size[1], "deviceScaleFactor": 1,
            "mobile": size[0] < 600,
        })

    def drain(self):
        """Moves the browser's console log into self.log."""
        self.log.extend(self.driver.get_log("browser"))
        return self.log

    def csp_violations(self):
        self.drain()
        return [entry for entry in self.log
                if "fd-csp-violation" in entry["message"]
                or "Content Security Policy" in entry["message"]
                or "Content-Security-Policy" in entry["message"]]

    def console_errors(self):
        self.drain()
        return [entry for entry in self.log
                if entry["level"] == "SEVERE"
                and not (entry.get("source") == "network"
                         and EXPECTED_NETWORK_ERRORS.match(entry["message"]))]

    def assert_clean(self):
        violations = self.csp_violations()
        assert not violations, f"{self.name}: CSP violations:\n" + "\n".join(
            e["message"] for e in violations)
        errors = self.console_errors()
        assert not errors, f"{self.name}: console errors:\n" + "\n".join(
            f"[{e.get('source')}] {e['message']}" for e in errors)

    def forget_log(self, predicate):
        """Drops log entries a test provoked on purpose."""
        self.drain()
        self.log = [entry for entry in self.log if not predicate(entry)]

    # -- conveniences

    def get(self, url):
        self.driver.get(url)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def js_async(self, script, *args):
        return self.driver.execute_async_script(script, *args)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait(self, condition, timeout=WAIT, message=""):
        # Pages navigate and the list is re-rendered while we look: retry, don't fail.
        return WebDriverWait(
            self.driver, timeout, poll_frequency=0.05,
            ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
        ).until(condition, message)

    def wait_css(self, css, timeout=WAIT):
        return self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, css)), timeout,
                         f"no element matches {css!r} on {self.driver.current_url}")

    def wait_visible(self, css, timeout=WAIT):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout,
                         f"no visible element matches {css!r} on {self.driver.current_url}")

    def click_and_load(self, element):
        """Clicks something that navigates; returns once the next document has loaded."""
        old = self.find("html")
        element.click()

        def navigated(_):
            # Chromium sometimes answers a look at a node of the previous document with
            # "Node with given id does not belong to the document" instead of a stale
            # element error: both mean the old document is gone.
            try:
                old.is_enabled()
                return False
            except (StaleElementReferenceException, WebDriverException):
                return True

        self.wait(navigated, WAIT, f"clicking did not navigate from {self.driver.current_url}")
        self.wait(lambda d: self.js("return document.readyState") == "complete", WAIT,
                  "the next page did not finish loading")

    def screenshot(self, name, full_page=False):
        """Saves a PNG into test-artifacts/: the viewport, or the whole page at this width."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.js("window.scrollTo(0, 0)")
        if not full_page:
            assert self.driver.save_screenshot(str(path)), f"screenshot {name} failed"
            return path
        width, height = self.js("""return [window.innerWidth,
            Math.max(window.innerHeight, document.documentElement.scrollHeight)];""")
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        })
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def text(self, css):
        return self.find(css).text

    def cookie(self, name):
        found = self.driver.get_cookie(name)
        return found["value"] if found else None


@pytest.fixture
def browsers():
    """Factory: browsers(javascript=True, size=DESKTOP) -> Browser, all quit at teardown."""
    made = []

    def factory(**kwargs):
        kwargs.setdefault("name", f"browser{len(made)}")
        browser = Browser(**kwargs)
        made.append(browser)
        return browser

    yield factory
    for browser in made:
        # Printed output is shown only when the test fails: the browser's side of the story.
        try:
            print(f"--- {browser.name}: {browser.driver.current_url}")
            for entry in browser.drain():
                print(f"[{entry['level']}] [{entry.get('source')}] {entry['message']}")
        except Exception as error:  # noqa: BLE001
            print(f"--- {browser.name}: unavailable ({error})")
        browser.quit()


@pytest.fixture
def browser(browsers):
    return browsers()


# ----------------------------------------------------------------------------- page helpers

def sign_in(b: Browser, server, password=None):
    """Signs in through the login form; returns when the upload page is shown."""
    b.get(server.url + "/")
    b.wait_css('form[action="/login"] input[name="username"]')
    user = b.find('form[action="/login"] input[name="username"]')
    user.clear()
    user.send_keys("admin")
    b.find('form[action="/login"] input[name="password"]').send_keys(
        server.admin_password if password is None else password)
    b.click_and_load(b.find('form[action="/login"] [type="submit"]'))
    if password is None:
        b.wait_css('form[action="/upload"]')
        if b.javascript:
            b.wait(lambda d: b.js("return document.documentElement.classList.contains('js')"),
                   message="app.js did not run on the upload page")


def api_upload(server, token, description, filename, content, content_type=None):
    """Stores a file through the API (not the page); returns its record."""
    return upload_json(server, bearer(token), content, description=description, filename=filename,
                       content_type=content_type)


def api_files(server, token):
    """Every stored record, through the API."""
    return list_all(server, bearer(token))


def listed_descriptions(b: Browser):
    return b.js("""return Array.from(document.querySelectorAll('#file-rows tr.file-row'))
                   .map((row) => row.querySelector('.desc').textContent.trim());""")


def row_for(b: Browser, description):
    rows = b.find_all("#file-rows tr.file-row")
    for row in rows:
        if row.find_element(By.CSS_SELECTOR, ".desc").text.strip() == description:
            return row
    return None


def wait_listed(b: Browser, description, timeout=WAIT):
    b.wait(lambda d: description in listed_descriptions(b), timeout,
           f"{description!r} never appeared in the file list: {listed_descriptions(b)}")


def drop_files(b: Browser, files):
    """Dispatches dragenter/dragover/drop carrying File objects made in the page.

    files: [(name, size, seed, type)] — content is pattern_bytes(size, seed)."""
    b.js("""
      const specs = arguments[0];
      const dt = new DataTransfer();
      for (const [name, size, seed, type] of specs) {
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i++) bytes[i] = (i * 131 + seed * 7 + (i >> 9)) & 0xFF;
        dt.items.add(new File([bytes], name, {type: type || ''}));
      }
      const zone = document.getElementById('dropzone');
      window.__fdDragover = [];
      for (const type of ['dragenter', 'dragover']) {
        zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
        window.__fdDragover.push(zone.classList.contains('is-dragover'));
      }
      zone.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
    """, [list(f) for f in files])


def pending_items(b: Browser):
    return b.js("""return Array.from(document.querySelectorAll('#pending-list > li')).map((li) => {
        const progress = li.querySelector('progress, [role=progressbar]');
        const value = progress.tagName === 'PROGRESS' ? progress.value
            : Number(progress.getAttribute('aria-valuenow'));
        const max = progress.tagName === 'PROGRESS' ? progress.max
            : Number(progress.getAttribute('aria-valuemax'));
        const input = li.querySelector('input[type=text]');
        return {
          name: li.querySelector('.pending-name').textContent,
          state: li.dataset.state,
          description: input.value,
          inputId: input.id,
          labelled: input.labels.length > 0,
          value, max,
          error: li.querySelector('.pending-error').textContent.trim(),
          meta: li.querySelector('.progress-meta').textContent.trim(),
        };
    });""")


def watch_progress(b: Browser):
    """Records every value each pending item's progress bar takes."""
    b.js("""
      window.__fdProgress = {};
      for (const li of document.querySelectorAll('#pending-list > li')) {
        const name = li.querySelector('.pending-name').textContent;
        const bar = li.querySelector('progress');
        window.__fdProgress[name] = [bar.value];
        new MutationObserver(() => window.__fdProgress[name].push(bar.value))
          .observe(bar, {attributes: true, attributeFilter: ['value']});
      }
    """)


def fetch_in_page(b: Browser, href):
    """Fetches a URL inside the page (with the session cookie); returns (status, headers, bytes)."""
    result = b.js_async("""
      const done = arguments[arguments.length - 1];
      fetch(arguments[0], {credentials: 'same-origin'}).then(async (r) => {
        const bytes = new Uint8Array(await r.arrayBuffer());
        let binary = '';
        for (let i = 0; i < bytes.length; i += 0x8000) {
          binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
        }
        let digest = null;
        if (window.crypto && crypto.subtle) {
          const hash = await crypto.subtle.digest('SHA-256', bytes);
          digest = Array.from(new Uint8Array(hash)).map((x) => x.toString(16).padStart(2, '0')).join('');
        }
        done({status: r.status, headers: Object.fromEntries(r.headers.entries()),
              body: btoa(binary), sha256: digest});
      }).catch((e) => done({error: String(e)}));
    """, href)
    assert "error" not in result, result
    return result["status"], result["headers"], base64.b64decode(result["body"]), result["sha256"]


# A node as data: tag, sorted attributes and children (text nodes as they are), to compare the
# markup the script makes with the markup the server renders.
NODE_SHAPE = r"""
  const shape = (node) => node.nodeType === Node.TEXT_NODE ? {text: node.data} : {
    tag: node.localName,
    attributes: Array.from(node.attributes).map((a) => [a.name, a.value]).sort(),
    children: Array.from(node.childNodes).filter((c) => c.nodeType !== Node.COMMENT_NODE).map(shape),
  };
"""


def shape_of(b: Browser, css):
    return b.js(NODE_SHAPE + "return shape(document.querySelector(arguments[0]));", css)


def page_function(b: Browser, module, name, inputs):
    """Imports /static/MODULE in the page; returns [MODULE.NAME(x) for x in inputs]."""
    result = b.js_async("""
      const [path, name, inputs] = arguments;
      const done = arguments[arguments.length - 1];
      import(path).then((m) => done({value: inputs.map((x) => m[name](x))}))
        .catch((e) => done({error: String(e)}));
    """, f"/static/{module}", name, list(inputs))
    assert "error" not in result, result
    return result["value"]


# ------------------------------------------------------------------------- static checks

class _TemplateScan(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.tags = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        for name in attrs:
            if name.startswith("on"):
                self.problems.append(f"inline event handler {name}= on <{tag}>")
        if "style" in attrs:
            self.problems.append(f"style= attribute on <{tag}>")
        if tag == "script":
            src = attrs.get("src") or ""
            if not src.startswith("/static/") or not src.endswith(".js"):
                self.problems.append(f"<script> not from /static/*.js: {attrs}")
            # Modules run after parsing (like defer), in strict mode, and import the rest.
            if attrs.get("type") != "module":
                self.problems.append(f"<script src={src}> is not type=module")
        if tag == "style":
            self.problems.append("inline <style>")
        if tag == "link" and attrs.get("rel") == "stylesheet":
            href = attrs.get("href") or ""
            if not href.startswith("/static/") or not href.endswith(".css"):
                self.problems.append(f"stylesheet not from /static/*.css: {href}")
        for name in ("src", "href", "action"):
            value = attrs.get(name) or ""
            if re.match(r"^(https?:)?//", value):
                self.problems.append(f"external resource {name}={value}")


def test_templates_follow_the_csp_and_the_placeholder_contract():
    """No inline script/style/handlers, every page has the required head, placeholders match."""
    expected = {
        "login.html": {"{{error}}", "{{username}}"},
        "index.html": {"{{username}}", "{{page_size}}", "{{description_max}}", "{{{file_rows}}}",
                       "{{{pager}}}", "{{{file_row_template}}}", "{{{pager_template}}}",
                       "{{max_file_ttl}}", "{{search_max}}", "{{query}}", "{{empty_text}}",
                       "{{{usage}}}", "{{{expiry_options}}}", "{{expiry_hint}}",
                       "{{max_link_ttl}}", "{{{share_panel_template}}}", "{{{share_link_template}}}",
                       "{{{drop_link_template}}}"},
        "file-row.html": {"{{id}}", "{{description}}", "{{filename}}", "{{content_type}}",
                          "{{size}}", "{{size_human}}", "{{created_at}}", "{{created_display}}",
                          "{{uploaded_by}}", "{{expires_at}}", "{{expires_display}}"},
        "pager.html": {"{{cursor}}", "{{href}}"},
        "result.html": {"{{title}}", "{{message}}", "{{kind}}", "{{back_href}}", "{{back_text}}"},
    }
    pages = {"login.html", "index.html", "result.html"}
    for name, placeholders in expected.items():
        text = (ASSETS / "templates" / name).read_text(encoding="utf-8")
        used = set(re.findall(r"\{\{\{\w+\}\}\}|\{\{\w+\}\}", text))
        assert used == placeholders, f"{name}: placeholders {sorted(used)} != {sorted(placeholders)}"
        scan = _TemplateScan()
        scan.feed(text)
        assert not scan.problems, f"{name}: {scan.problems}"
        if name in pages:
            assert text.lower().startswith("<!doctype html>"), name
            assert '<meta charset="utf-8">' in text, name
            assert ('<meta name="viewport" content="width=device-width, initial-scale=1">'
                    in text), name
            assert '<link rel="icon" href="/favicon.ico"' in text, name

    index = (ASSETS / "templates" / "index.html").read_text(encoding="utf-8")
    assert '<form id="upload-form" method="post" action="/upload" enctype="multipart/form-data">' \
        in index or re.search(
            r'<form[^>]*method="post"[^>]*action="/upload"[^>]*enctype="multipart/form-data"', index)
    assert re.search(r'<input type="file"[^>]*name="inputFile"', index)
    assert re.search(r'<textarea[^>]*name="description"', index)
    # The empty state relies on :empty, so the rows placeholder must be the only content.
    assert '<tbody id="file-rows" role="rowgroup">{{{file_rows}}}</tbody>' in index
    # The script clones these instead of building the markup itself.
    assert '<template id="file-row-template">{{{file_row_template}}}</template>' in index
    assert '<template id="pager-template">{{{pager_template}}}</template>' in index
    login = (ASSETS / "templates" / "login.html").read_text(encoding="utf-8")
    assert re.search(r'role="alert"[^>]*>\{\{error\}\}</p>', login)

    ico = (ASSETS / "favicon.ico").read_bytes()
    assert ico[:4] == b"\x00\x00\x01\x00" and int.from_bytes(ico[4:6], "little") >= 1
    for static in (ASSETS / "static").rglob("*"):
        if static.is_file():
            assert static.suffix in {".css", ".js", ".svg", ".png", ".ico", ".woff2"}, static


STATIC = ASSETS / "static"
# The upload page's modules: its entry module and everything under static/js/.
PAGE_MODULES = sorted(["app.js"] + [str(p.relative_to(STATIC)) for p in (STATIC / "js").glob("*.js")])
IMPORT = re.compile(r"""^\s*import\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]""", re.M)


def test_module_imports_resolve_to_compiled_in_files():
    """Every static import names a relative .js file that exists under Assets/static/, and every
    module of the upload page is reachable from its entry module (no dead modules)."""
    reached, todo = set(), ["app.js"]
    while todo:
        module = todo.pop()
        if module in reached:
            continue
        reached.add(module)
        source = (STATIC / module).read_text(encoding="utf-8")
        for match in IMPORT.finditer(source):
            target = match.group(1) or match.group(2)
            assert target.startswith("./") and target.endswith(".js"), f"{module}: import {target!r}"
            resolved = (STATIC / module).parent / target
            assert resolved.is_file(), f"{module}: import {target!r} names no file"
            todo.append(str(resolved.resolve().relative_to(STATIC.resolve())))
    assert sorted(reached) == PAGE_MODULES


def test_modules_are_served_as_javascript_with_etags(server):
    """Module scripts must come with a JavaScript MIME type (browsers refuse any other for
    type=module, and nosniff forbids guessing), revalidated by ETag like every static file."""
    for module in PAGE_MODULES + ["login.js"]:
        r = requests.get(f"{server.url}/static/{module}", timeout=WAIT)
        assert r.status_code == 200, module
        assert r.headers["Content-Type"] == "text/javascript; charset=utf-8", module
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.content == (STATIC / module).read_bytes(), module
        again = requests.get(f"{server.url}/static/{module}", timeout=WAIT,
                             headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304, module


# -------------------------------------------------------------------------------- the tests

@needs_browser
def test_login_page_sign_in_and_csp(server, browsers):
    """The login page at both widths, a wrong password shown in place, then a real sign-in.
    Also proves the CSP is in force and that the violation listener would catch a breach."""
    b = browsers(size=PHONE, name="phone")
    b.get(server.url + "/")
    b.wait_css('form[action="/login"]')
    form = b.find('form[action="/login"]')
    assert form.get_attribute("method").lower() == "post"
    for field in ("username", "password"):
        input_ = form.find_element(By.CSS_SELECTOR, f'input[name="{field}"]')
        assert b.js("return arguments[0].labels.length", input_) >= 1, f"{field} has no <label>"
    assert not b.find('[role="alert"]').is_displayed(), "empty error message is visible"
    assert b.js("return document.activeElement.name") == "username"
    b.screenshot("login-390.png")

    # A wrong password: the login page again with the error shown and the name kept.
    sign_in(b, server, password="definitely-wrong")
    b.wait_visible('[role="alert"]')
    assert b.text('[role="alert"]').strip(), "login error is empty"
    assert b.find('input[name="username"]').get_attribute("value") == "admin"
    b.wait(lambda d: b.js("return document.activeElement.name") == "password", 10,
           "after a failed sign-in the cursor is not in the password field")

    # The server's CSP is in force on the page, and our listener reports violations.
    r = requests.get(server.url + "/login", headers={"Accept": "text/html"}, timeout=WAIT)
    csp = r.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "style-src 'self'" in csp, f"page CSP: {csp!r}"
    b.js("document.body.insertAdjacentHTML('beforeend', '<div id=fd-probe style=\"color: red\"></div>')")
    b.wait(lambda d: b.js("return (window.__fdCsp || []).length") > 0, 10,
           "an inline style did not raise a securitypolicyviolation: is the CSP applied?")
    b.js("document.getElementById('fd-probe').remove()")
    b.forget_log(lambda e: "fd-csp-violation" in e["message"]
                 or "Content Security Policy" in e["message"])

    d = browsers(size=DESKTOP, name="desktop")
    d.get(server.url + "/login")
    d.wait_css('form[action="/login"]')
    d.screenshot("login-1280.png")
    sign_in(d, server)
    assert "admin" in d.text(".account-name") or "admin" in d.find("body").text
    assert d.cookie("token"), "no session cookie after the login form"

    # The favicon and the static files answer.
    for path in ("/favicon.ico", "/static/app.css", "/static/app.js"):
        status, headers, body, _ = fetch_in_page(d, path)
        assert status == 200 and body, f"{path}: {status}"
    b.assert_clean()
    d.assert_clean()


@needs_browser
def test_drop_two_files_with_progress_and_keyboard(server, browser):
    b = browser
    token = server.login()
    sign_in(b, server)
    assert b.find("#drop-card").is_displayed(), "the drop zone is hidden with JavaScript on"
    # The page is one module script that loads every module of the page, each once.
    assert b.js("return Array.from(document.scripts).map((s) => [s.type, s.src])") == [
        ["module", server.url + "/static/app.js"]]
    loaded = b.js("""return performance.getEntriesByType('resource')
        .map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.js'));""")
    assert sorted(loaded) == ["/static/" + m for m in PAGE_MODULES], loaded

    # Keyboard: the zone is focusable and Enter / Space open its own chooser.
    zone = b.find("#dropzone")
    assert zone.get_attribute("tabindex") == "0" and zone.get_attribute("role") == "button"
    b.js("""window.__fdPicks = 0;
            const picker = document.getElementById('drop-input');
            picker.click = () => { window.__fdPicks += 1; };""")
    zone.send_keys(Keys.ENTER)
    zone.send_keys(Keys.SPACE)
    assert b.js("return window.__fdPicks") == 2, "Enter/Space did not open the file chooser"
    assert b.js("return document.getElementById('drop-input').multiple")

    files = [("holiday photos.tar", 6 * 1024 * 1024 + 17, 1, "application/x-tar"),
             ("notes from Zoë.txt", 150_003, 2, "text/plain")]
    drop_files(b, files)
    assert b.js("return window.__fdDragover") == [True, True], "no dragover highlight"
    assert "is-dragover" not in b.find("#dropzone").get_attribute("class")
    items = pending_items(b)
    assert [i["name"] for i in items] == [f[0] for f in files]
    for item in items:
        assert item["description"] == item["name"], "description not prefilled from the name"
        assert item["labelled"], "pending description has no label"
        assert item["state"] == "pending" and item["value"] == 0 and item["max"] == 100
    # Each pending file can be edited; give the first a description of its own.
    first = b.find(f"#{items[0]['inputId']}")
    first.send_keys(Keys.CONTROL, "a")
    first.send_keys("Holiday photos — all of them")

    watch_progress(b)
    b.find("#upload-all").click()
    b.wait(lambda d: all(i["state"] == "done" for i in pending_items(b)), WAIT,
           f"drop-zone uploads did not finish: {pending_items(b)}")
    seen = b.js("return window.__fdProgress")
    for item in pending_items(b):
        assert item["value"] == 100 and item["max"] == 100, item
        values = seen[item["name"]]
        assert values[-1] == 100, f"{item['name']}: progress went {values}"
        assert values == sorted(values), f"{item['name']}: progress went backwards {values}"
        assert item["error"] == ""

    wait_listed(b, "Holiday photos — all of them")
    wait_listed(b, "notes from Zoë.txt")
    stored = {f["description"]: f for f in api_files(server, token)}
    for (name, size, seed, ctype), description in zip(
            files, ["Holiday photos — all of them", "notes from Zoë.txt"]):
        record = stored[description]
        assert record["filename"] == name
        assert record["size"] == size
        assert record["sha256"] == hashlib.sha256(pattern_bytes(size, seed)).hexdigest()
        assert record["content_type"] == ctype
        row = row_for(b, description)
        assert name in row.text and record["uploaded_by"] in row.text
    b.assert_clean()


BEFOREUNLOAD_PREVENTED = """
  const event = new Event('beforeunload', {cancelable: true});
  window.dispatchEvent(event);
  return event.defaultPrevented;
"""


@needs_browser
def test_slow_upload_shows_speed_warns_on_leave_and_can_be_cancelled(server, browser):
    b = browser
    token = server.login()
    sign_in(b, server)
    b.driver.execute_cdp_cmd("Network.enable", {})
    b.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 5, "downloadThroughput": -1, "uploadThroughput": 250_000})
    assert b.js(BEFOREUNLOAD_PREVENTED) is False, "leaving warns with nothing in flight"
    drop_files(b, [("slow.iso", 3_000_000, 7, "")])
    b.find("#upload-all").click()
    b.wait(lambda d: (pending_items(b)[0]["value"] or 0) > 0, WAIT, "no progress on a slow upload")
    b.wait(lambda d: re.search(r"/s .* left", pending_items(b)[0]["meta"]), WAIT,
           f"no speed / time left shown: {pending_items(b)[0]['meta']!r}")
    item = pending_items(b)[0]
    assert item["state"] == "uploading" and 0 < item["value"] < 100, item
    assert b.js(BEFOREUNLOAD_PREVENTED) is True, "no beforeunload warning while uploading"

    # The item's own button cancels it; the server keeps nothing of the cut-off upload.
    b.find("#pending-list .pending-remove").click()
    b.wait(lambda d: pending_items(b)[0]["state"] == "pending", WAIT, "cancel did not stop it")
    assert b.js(BEFOREUNLOAD_PREVENTED) is False
    time.sleep(0.5)
    assert api_files(server, token) == [], "a cancelled upload left a file behind"

    # At full speed the same file goes through.
    b.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    b.find("#upload-all").click()
    b.wait(lambda d: pending_items(b)[0]["state"] == "done", WAIT, f"{pending_items(b)}")
    wait_listed(b, "slow.iso")
    [record] = api_files(server, token)
    assert record["sha256"] == hashlib.sha256(pattern_bytes(3_000_000, 7)).hexdigest()
    b.assert_clean()


@needs_browser
def test_drop_zone_shows_409_in_place_and_retry_works(server, browser):
    b = browser
    token = server.login()
    api_upload(server, token, "report.pdf", "old-report.pdf", b"%PDF-1.4 old\n")
    sign_in(b, server)
    drop_files(b, [("report.pdf", 2048, 3, "application/pdf"), ("fresh.csv", 999, 4, "text/csv")])
    b.find("#upload-all").click()
    b.wait(lambda d: {i["state"] for i in pending_items(b)} == {"done", "error"}, WAIT,
           f"expected one done and one failed: {pending_items(b)}")
    items = {i["name"]: i for i in pending_items(b)}
    failed = items["report.pdf"]
    assert failed["state"] == "error"
    assert re.search(r"already (used|exists|taken)|duplicate", failed["error"], re.I), failed
    assert items["fresh.csv"]["state"] == "done" and items["fresh.csv"]["value"] == 100
    field = b.find(f"#{failed['inputId']}")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.is_enabled()

    # Fix that one description and press Enter in its field: only it is sent again.
    field.send_keys(Keys.END, " (new version)", Keys.ENTER)
    b.wait(lambda d: all(i["state"] == "done" for i in pending_items(b)), WAIT,
           f"retry did not finish: {pending_items(b)}")
    wait_listed(b, "report.pdf (new version)")
    wait_listed(b, "fresh.csv")
    descriptions = [f["description"] for f in api_files(server, token)]
    assert sorted(descriptions) == ["fresh.csv", "report.pdf", "report.pdf (new version)"]
    b.forget_log(lambda e: "status of 409" in e["message"])
    b.assert_clean()


@needs_browser
def test_drop_zone_shows_413_in_place(make_server, browser):
    server = make_server(args=["--max-upload-size", "4096"])
    b = browser
    sign_in(b, server)
    drop_files(b, [("big.bin", 4097, 5, ""), ("small.bin", 4096, 6, "")])
    b.find("#upload-all").click()
    b.wait(lambda d: {i["state"] for i in pending_items(b)} == {"done", "error"}, WAIT,
           f"expected one done and one failed: {pending_items(b)}")
    items = {i["name"]: i for i in pending_items(b)}
    assert items["big.bin"]["state"] == "error"
    assert re.search(r"too large|limit|exceed", items["big.bin"]["error"], re.I), items["big.bin"]
    assert items["small.bin"]["state"] == "done"
    wait_listed(b, "small.bin")
    assert "big.bin" not in listed_descriptions(b)
    b.forget_log(lambda e: "status of 413" in e["message"])
    b.assert_clean()


@needs_browser
def test_tutorial_form_with_javascript(server, browser, tmp_path):
    b = browser
    token = server.login()
    sign_in(b, server)
    content = os.urandom(300_000) + "ünïcode tail\n".encode()
    path = tmp_path / "Résumé 2026.pdf"
    path.write_bytes(content)
    form = b.find('form[action="/upload"]')
    assert form.get_attribute("enctype") == "multipart/form-data"
    form.find_element(By.CSS_SELECTOR, 'input[type="file"][name="inputFile"]').send_keys(str(path))
    form.find_element(By.CSS_SELECTOR, 'textarea[name="description"]').send_keys(
        "  My résumé, typed by hand  ")
    url_before = b.driver.current_url
    form.find_element(By.CSS_SELECTOR, '[type="submit"]').click()
    b.wait_visible("#form-result .notice-success")
    assert b.driver.current_url == url_before, "the form navigated away with JavaScript on"
    assert b.js("return document.getElementById('form-progress-bar').value") == 100
    assert "Résumé 2026.pdf" in b.text("#form-result")
    wait_listed(b, "My résumé, typed by hand")
    # The form is ready for the next file.
    assert b.find('textarea[name="description"]').get_attribute("value") == ""
    record = next(f for f in api_files(server, token)
                  if f["description"] == "My résumé, typed by hand")
    assert record["filename"] == "Résumé 2026.pdf"
    assert record["sha256"] == hashlib.sha256(content).hexdigest()
    b.assert_clean()


@needs_browser
def test_tutorial_form_without_javascript(server, browsers, tmp_path):
    b = browsers(javascript=False, name="no-js")
    token = server.login()
    sign_in(b, server)
    assert not b.find("#drop-card").is_displayed(), "the drop zone shows without JavaScript"
    content = b"plain form upload\n" * 1000
    path = tmp_path / "plain.txt"
    path.write_bytes(content)
    b.find('form[action="/upload"] input[name="inputFile"]').send_keys(str(path))
    b.find('form[action="/upload"] textarea[name="description"]').send_keys("Sent without JS")
    b.click_and_load(b.find('form[action="/upload"] [type="submit"]'))
    b.wait(lambda d: "plain.txt" in d.find_element(By.TAG_NAME, "body").text, WAIT,
           "the result page does not name the uploaded file")
    body = b.find("body").text
    assert re.search(r"upload", body, re.I)
    back = b.find('a[href="/"]')
    b.click_and_load(back)
    b.wait_css("#file-rows tr.file-row")
    assert row_for(b, "Sent without JS") is not None
    record = next(f for f in api_files(server, token) if f["description"] == "Sent without JS")
    assert record["sha256"] == hashlib.sha256(content).hexdigest()

    # A duplicate through the plain form is answered with an error page, not a crash.
    b.find('form[action="/upload"] input[name="inputFile"]').send_keys(str(path))
    b.find('form[action="/upload"] textarea[name="description"]').send_keys("Sent without JS")
    b.click_and_load(b.find('form[action="/upload"] [type="submit"]'))
    b.wait(lambda d: re.search(r"already|duplicate|exists", d.find_element(By.TAG_NAME, "body").text,
                               re.I), WAIT, "no duplicate-description message on the result page")
    assert b.find('a[href="/"]')
    b.forget_log(lambda e: "status of 409" in e["message"])
    b.assert_clean()


@needs_browser
def test_download_is_byte_exact(server, browser):
    b = browser
    token = server.login()
    content = bytes(range(256)) * 64 + os.urandom(70_001) + b"\r\n\x00end"
    record = api_upload(server, token, "Binary blob", "blob.bin", content,
                        "application/octet-stream")
    sign_in(b, server)
    row = row_for(b, "Binary blob")
    assert row is not None
    link = row.find_element(By.CSS_SELECTOR, "a.file-link")
    href = link.get_attribute("href")
    assert href.endswith(f"/files/{record['id']}/content"), href
    status, headers, body, digest = fetch_in_page(b, href)
    assert status == 200
    assert body == content, "downloaded bytes differ"
    if digest is not None:
        assert digest == hashlib.sha256(content).hexdigest() == record["sha256"]
    assert "attachment" in headers.get("content-disposition", "")
    b.assert_clean()


@needs_browser
def test_delete_with_confirm(server, browser):
    b = browser
    token = server.login()
    keep = api_upload(server, token, "Keep me", "keep.txt", b"keep")
    gone = api_upload(server, token, "Delete me", "delete.txt", b"delete")
    sign_in(b, server)
    assert sorted(listed_descriptions(b)) == ["Delete me", "Keep me"]

    # Dismissing the confirm keeps the file.
    row_for(b, "Delete me").find_element(By.CSS_SELECTOR, ".delete-btn").click()
    alert = b.wait(EC.alert_is_present(), 10, "no confirm dialog")
    assert "Delete me" in alert.text
    alert.dismiss()
    time.sleep(0.3)
    assert "Delete me" in listed_descriptions(b)

    row_for(b, "Delete me").find_element(By.CSS_SELECTOR, ".delete-btn").click()
    b.wait(EC.alert_is_present(), 10, "no confirm dialog").accept()
    b.wait(lambda d: "Delete me" not in listed_descriptions(b), WAIT, "the row stayed")
    assert listed_descriptions(b) == ["Keep me"]
    r = requests.get(f"{server.url}/files/{gone['id']}",
                     headers={"Authorization": f"Bearer {token}"}, timeout=WAIT)
    assert r.status_code == 404
    b.driver.refresh()
    b.wait_css('form[action="/upload"]')
    assert listed_descriptions(b) == ["Keep me"]

    # Deleting the last one shows the empty state.
    row_for(b, "Keep me").find_element(By.CSS_SELECTOR, ".delete-btn").click()
    b.wait(EC.alert_is_present(), 10, "no confirm dialog").accept()
    b.wait(lambda d: listed_descriptions(b) == [], WAIT)
    b.wait_visible("#empty-state")
    assert keep["id"] not in [f["id"] for f in api_files(server, token)]
    b.assert_clean()


@needs_browser
def test_older_files_paging(server, browsers, tmp_path):
    token = server.login()
    total = 55
    for n in range(total):
        api_upload(server, token, f"Seeded file {n:02d}", f"seed-{n:02d}.txt", f"{n}\n".encode())
    newest_first = [f"Seeded file {n:02d}" for n in reversed(range(total))]

    # With JavaScript: the server's first page, then "Older files" appends the rest in place.
    b = browsers(name="js")
    sign_in(b, server)
    page_size = int(b.find("body").get_attribute("data-page-size"))
    first_page = listed_descriptions(b)
    assert len(first_page) == page_size < total and first_page == newest_first[:page_size]
    older = b.wait_visible("a.older-link")
    assert "cursor=" in older.get_attribute("href")
    url = b.driver.current_url
    older.click()
    b.wait(lambda d: len(listed_descriptions(b)) == total, WAIT,
           f"older files did not load: {len(listed_descriptions(b))} rows")
    assert b.driver.current_url == url
    assert listed_descriptions(b) == newest_first
    assert not b.find_all("a.older-link"), "the Older files link stayed after the last page"

    # An upload refreshes the list through the JSON API, 50 a page, with the link again.
    path = tmp_path / "newest.txt"
    path.write_bytes(b"newest\n")
    b.find('form[action="/upload"] input[name="inputFile"]').send_keys(str(path))
    b.find('form[action="/upload"] textarea[name="description"]').send_keys("Newest file")
    b.find('form[action="/upload"] [type="submit"]').click()
    b.wait_visible("#form-result .notice-success")
    b.wait(lambda d: listed_descriptions(b)[:1] == ["Newest file"], WAIT)
    assert listed_descriptions(b) == (["Newest file"] + newest_first)[:page_size]
    # The script's "Older files" link (from the page's template) is the server's, cursor and all.
    script_pager = shape_of(b, "#pager")
    b.driver.refresh()
    b.wait_css("a.older-link")
    assert shape_of(b, "#pager") == script_pager
    b.wait_visible("a.older-link").click()
    b.wait(lambda d: len(listed_descriptions(b)) == total + 1, WAIT,
           f"older files did not load: {len(listed_descriptions(b))} rows")
    assert listed_descriptions(b) == ["Newest file"] + newest_first
    b.assert_clean()

    # Without JavaScript the link is a plain link to the next page.
    n = browsers(javascript=False, name="no-js")
    sign_in(n, server)
    page1 = listed_descriptions(n)
    n.click_and_load(n.find("a.older-link"))
    assert "cursor=" in n.driver.current_url
    page2 = listed_descriptions(n)
    assert page1 + page2 == ["Newest file"] + newest_first
    assert not n.find_all("a.older-link")
    n.assert_clean()


@needs_browser
def test_script_rows_have_the_markup_of_server_rows(server, browser):
    """A row the script adds after an upload, a clone of the page's <template> filled from the
    JSON record, is the markup the server renders for the same file: tags, attributes, text."""
    b = browser
    token = server.login()
    api_upload(server, token, "Seeded first", "first.txt", b"first\n")
    sign_in(b, server)
    b.js("window.__fdSamePage = true")
    # Characters that need escaping in HTML, and a placeholder that must stay text.
    description = 'Tom & "Jerry" <b>not bold</b> {{id}} – ok'
    drop_files(b, [('Q3 <report> & "notes".pdf', 1_234_567, 9, "application/pdf")])
    field = b.find(f"#{pending_items(b)[0]['inputId']}")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(description)
    b.find("#upload-all").click()
    b.wait(lambda d: pending_items(b)[0]["state"] == "done", WAIT, f"{pending_items(b)}")
    wait_listed(b, description)
    assert b.js("return window.__fdSamePage === true"), "the page reloaded: no script row to compare"
    [record] = [f for f in api_files(server, token) if f["description"] == description]
    row = f"#file-{record['id']}"
    # New rows are highlighted for a few seconds; that class is the script's alone.
    b.js("document.querySelector(arguments[0]).classList.remove('is-new')", row)
    script_row = shape_of(b, row)
    assert b.find(f"{row} .desc").text == description, "the value was not taken as plain text"
    assert b.find(f"{row} data").text == "1.2 MB"

    b.driver.refresh()
    b.wait_css(row)
    assert shape_of(b, row) == script_row
    b.assert_clean()


# Sizes around every rounding and unit boundary that fit in a quick test.
SIZE_TABLE = [0, 1, 999, 1000, 1001, 1049, 1050, 1051, 1949, 1950, 9949, 9950, 9999, 10_000,
              99_949, 99_950, 100_000, 123_456, 999_499, 999_500, 999_949, 999_950, 999_999,
              1_000_000, 1_049_999, 1_050_000, 2_345_678]


@needs_browser
def test_script_formats_sizes_and_dates_like_the_server(server, browser):
    """js/format.js mirrors Pages.humanSize and RFC3339.display for the rows the script adds:
    for a table of sizes, the server's rendering and the script's agree exactly."""
    b = browser
    token = server.login()
    for size in SIZE_TABLE:
        api_upload(server, token, f"{size} bytes", f"{size}.bin", b"z" * size)
    sign_in(b, server)
    rendered = b.js("""return Array.from(document.querySelectorAll('#file-rows tr.file-row')).map((row) => {
        const size = row.querySelector('data'), time = row.querySelector('time');
        return [Number(size.value), size.textContent, time.dateTime, time.textContent];
    });""")
    assert sorted(r[0] for r in rendered) == sorted(SIZE_TABLE)
    sizes = [r[0] for r in rendered]
    assert page_function(b, "js/format.js", "formatSize", sizes) == [r[1] for r in rendered]
    assert page_function(b, "js/format.js", "formatDate", [r[2] for r in rendered]) == [r[3] for r in rendered]
    # Spot checks that the table means what it says.
    server_text = {r[0]: r[1] for r in rendered}
    assert (server_text[999], server_text[1050], server_text[99_950]) == ("999 B", "1.1 KB", "100 KB")
    b.assert_clean()


@needs_browser
def test_description_limit_comes_from_the_server(server, browser, tmp_path):
    """The page's data-description-max is the server's real limit; a longer description is
    refused in place, before anything is sent, with that number in the message."""
    b = browser
    token = server.login()
    sign_in(b, server)
    limit = int(b.find("body").get_attribute("data-description-max"))
    # The number is the server's: `limit` scalars are stored, one more is refused.
    api_upload(server, token, "é" * limit, "at-limit.txt", b"at the limit\n")
    r = requests.post(server.url + "/upload", files={"inputFile": ("over.txt", b"over\n")},
                      data={"description": "é" * (limit + 1)},
                      headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                      timeout=WAIT)
    assert r.status_code == 400 and str(limit) in r.json()["message"], r.text
    # The tutorial form's field and hint carry the same number.
    assert b.find("#description").get_attribute("maxlength") == str(limit)
    assert str(limit) in b.text("#description-hint")

    too_long = "é" * (limit + 1)
    set_value = """arguments[0].value = arguments[1];
                   arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"""
    # Drop zone: refused in place.
    drop_files(b, [("long.txt", 10, 1, "text/plain")])
    item = pending_items(b)[0]
    assert b.find(f"#{item['inputId']}").get_attribute("maxlength") == str(limit)
    b.js(set_value, b.find(f"#{item['inputId']}"), too_long)
    b.find("#upload-all").click()
    b.wait(lambda d: pending_items(b)[0]["state"] == "error", WAIT, f"{pending_items(b)}")
    error = pending_items(b)[0]["error"]
    assert "too long" in error and f"at most {limit} characters" in error, error
    # Tutorial form: refused in place too.
    path = tmp_path / "form.txt"
    path.write_bytes(b"form\n")
    b.find('form[action="/upload"] input[name="inputFile"]').send_keys(str(path))
    b.js(set_value, b.find("#description"), too_long)
    b.find("#form-submit").click()
    b.wait_visible("#form-result .notice-error")
    assert f"at most {limit} characters" in b.text("#form-result")
    assert [f["filename"] for f in api_files(server, token)] == ["at-limit.txt"], "something was sent"
    b.assert_clean()


@needs_browser
def test_upload_page_screenshots(server, browsers):
    token = server.login()
    seeds = [
        ("Quarterly report Q3", "report-2026-q3.pdf", 1_234_567, "application/pdf"),
        ("Photos from the trip to the coast, all of them in one archive",
         "holiday photos with a rather long file name.tar", 4_800_000, "application/x-tar"),
        ("Router config backup", "router.conf", 5_432, "text/plain"),
        ("Meeting notes", "notes.md", 812, "text/markdown"),
    ]
    for description, filename, size, ctype in seeds:
        api_upload(server, token, description, filename, b"x" * size, ctype)
    for size, name in ((PHONE, "upload-390.png"), (DESKTOP, "upload-1280.png")):
        b = browsers(size=size, name=name)
        sign_in(b, server)
        for description, *_ in seeds:
            wait_listed(b, description)
        # No horizontal scrolling at this width.
        overflow = b.js("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"page is {overflow}px wider than the {size[0]}px viewport"
        b.screenshot(name, full_page=True)
        b.assert_clean()


@needs_browser
def test_logout_returns_to_login(server, browser):
    b = browser
    sign_in(b, server)
    token = b.cookie("token")
    assert token
    b.click_and_load(b.find('form[action="/logout"] [type="submit"]'))
    b.wait_css('form[action="/login"] input[name="username"]')
    assert not b.cookie("token"), "the session cookie survived logout"
    # The old token is revoked, not just forgotten by the browser.
    r = requests.get(server.url + "/files", headers={"Authorization": f"Bearer {token}"},
                     timeout=WAIT)
    assert r.status_code == 401
    b.get(server.url + "/")
    b.wait_css('form[action="/login"]')
    b.assert_clean()
