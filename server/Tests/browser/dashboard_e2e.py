"""The dashboard in headless Chromium, end to end (issue 6, item 4):

 1. sign in (a wrong key is refused; the cookie is HttpOnly + SameSite=Strict)
 2. ingest an OTLP trace with a native stack trace -> Browse Code shows the file and function
 3. "Set Breakpoint" on the line the trace revealed
 4. the example service (libtracekit's C example) captures -> the snapshot appears without reload
 5. its detail shows [REDACTED:email] as a marker
 6. the capture counter and the SDK count update live (the auto-registered breakpoint is enabled and bounded)
 7. kill switch -> the counter stops; editing a breakpoint (condition, max captures)
 8. a malicious label is shown as text (breakpoint list, snapshot list and detail); truncation markers
 9. /snapshots?service=…&breakpoint=… filters on a direct load and after a reload
10. sign out -> the API refuses the browser

Screenshots of each step are written to artifacts/. Prints one line per step
and a summary line; exits non-zero on the first failure.
"""
import gzip
import json
import os
import pathlib
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

import requests
from selenium import webdriver
from selenium.common.exceptions import (ElementClickInterceptedException, NoAlertPresentException, NoSuchElementException,
                                        StaleElementReferenceException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO / "Tests" / "support"))
from server_process import ServerProcess  # noqa: E402
ARTIFACTS = HERE / "artifacts"
EXAMPLE_SOURCE = HERE.parent / "compat" / "e2e_checkout.c"
SERVICE = "checkout"
XSS = "<img src=x onerror=alert(1)>"


# ---- fixtures: server, example service, browser ----------------------------------------

def start_server(tmp):
    binary = os.environ.get("TRACEKIT_SERVER_BIN", str(HERE.parents[1] / ".build-server" / "debug" / "tracekit-server"))
    admin = "tk_browser_" + secrets.token_hex(16)
    return ServerProcess(binary, "--database", tmp / "dash.sqlite", "--admin-key", admin), admin


def library_dir():
    for candidate in (os.environ.get("TRACEKIT_LIB_DIR"), REPO / ".build" / "stage" / "lib", REPO / ".build-lib" / "stage" / "lib"):
        if candidate and (pathlib.Path(candidate) / "libtracekit.so").exists():
            return pathlib.Path(candidate)
    raise RuntimeError("libtracekit.so not found: run `make install PREFIX=$PWD/.build/stage` at the repository root")


def build_example(tmp):
    lib = library_dir()
    include = lib.parent / "include" if (lib.parent / "include" / "tracekit.h").exists() else REPO / "include"
    binary = tmp / "e2e_checkout"
    subprocess.run([shutil.which("gcc") or "gcc", "-std=c99", "-Wall", "-o", str(binary), str(EXAMPLE_SOURCE),
                    f"-I{include}", f"-L{lib}", f"-Wl,-rpath,{lib}", "-ltracekit", "-lpthread"], check=True)
    # The line of the TK_CAPTURE call: __FILE__ / __LINE__ of the capture site.
    line = next(i for i, text in enumerate(EXAMPLE_SOURCE.read_text().splitlines(), 1) if "TK_CAPTURE(" in text)
    return binary, line


def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,900", "--disable-gpu"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")), options=options)


# ---- helpers -----------------------------------------------------------------------------

class Scenario:
    def __init__(self, driver, base, admin):
        self.driver, self.base, self.admin = driver, base, admin
        self.passed = 0
        self.shots = 0

    def api(self, method, path, key=None, **kwargs):
        return requests.request(method, self.base + path, headers={"X-API-Key": self.admin if key is None else key}, timeout=10, **kwargs)

    def shot(self, name):
        self.shots += 1
        self.driver.save_screenshot(str(ARTIFACTS / f"{self.shots:02d}-{name}.png"))

    def wait(self, predicate, timeout=15, message="condition", also_ignored=()):
        try:
            # Pages re-render on live events and navigate on submit: a vanished element means "not yet".
            ignored = (NoSuchElementException, StaleElementReferenceException, *also_ignored)
            return WebDriverWait(self.driver, timeout, poll_frequency=0.2,
                                 ignored_exceptions=ignored).until(lambda d: predicate())
        except Exception as error:
            self.shot("FAILED")
            raise AssertionError(f"timed out waiting for {message}") from error

    # Live events re-render the pages at any time (a Browse Code tree, a snapshot list, a
    # service row): an element handle may be stale by the time it is used. So nothing here
    # keeps one: an action finds its element and acts in one attempt, retried until it
    # succeeds; a read happens in the page, in one script.

    def act(self, locator, action, message):
        """Finds the element (a CSS selector or a (By, value) pair) and calls action on it,
        again with a freshly found element until it succeeds."""
        by, value = (By.CSS_SELECTOR, locator) if isinstance(locator, str) else locator
        self.wait(lambda: action(self.driver.find_element(by, value)) or True, message=message,
                  also_ignored=(ElementClickInterceptedException,))

    def click(self, locator):
        self.act(locator, lambda e: e.click(), message=f"{locator} to click")

    def press_enter(self, locator):
        self.act(locator, lambda e: e.send_keys(Keys.ENTER), message=f"{locator} to take Enter")

    def fill(self, form_css, name, value):
        """Replaces the value of the form's field `name`; done once the field holds it."""
        def attempt():
            field = self.driver.find_element(By.CSS_SELECTOR, f"{form_css} [name='{name}']")
            field.clear()
            field.send_keys(value)
            return field.get_property("value") == value
        self.wait(attempt, message=f"the field {name} of {form_css} to hold {value!r}")

    def finds(self, css):
        """Whether there are matches, and how many (the handles are not for later use)."""
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css):
        """The text of the first match, read in the page (None when absent)."""
        return self.driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css)

    def texts(self, css):
        """The text of every match, read in the page."""
        return self.driver.execute_script("return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent);", css)

    def attributes(self, css, name):
        """An attribute of every match, read in the page."""
        return self.driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map((e) => e.getAttribute(arguments[1]));", css, name)

    def nav(self, text):
        self.click((By.LINK_TEXT, text))

    def step(self, title):
        self.passed += 1
        print(f"ok {self.passed} - {title}", flush=True)

    def no_reload_marker(self):
        self.driver.execute_script("window.__sameDocument = 'yes'")

    def same_document(self):
        return self.driver.execute_script("return window.__sameDocument") == "yes"


def otlp_trace(path, line):
    """An OTLP/HTTP JSON export: a span with code.* attributes and an exception whose
    native (gdb) backtrace runs through the example's charge() at the capture line."""
    backtrace = "\n".join([
        "#0  0x00007f3a2c0a1e97 in raise () from /lib/x86_64-linux-gnu/libc.so.6",
        f"#1  0x000055d4b5c2e0a4 in charge (client=0x55d4b6e2a2a0, amount=7) at {path}:{line}",
        f"#2  0x000055d4b5c2e1f0 in main (argc=5, argv=0x7ffd6c1f0a58) at {path}:{line + 23}",
    ])
    attr = lambda k, v: {"key": k, "value": {"stringValue": v} if isinstance(v, str) else {"intValue": str(v)}}
    return {"resourceSpans": [{
        "resource": {"attributes": [attr("service.name", SERVICE)]},
        "scopeSpans": [{"scope": {"name": "browser-test"}, "spans": [{
            "traceId": secrets.token_hex(16), "spanId": secrets.token_hex(8), "name": "POST /checkout", "kind": 2,
            "startTimeUnixNano": str(time.time_ns() - 5_000_000), "endTimeUnixNano": str(time.time_ns()),
            "attributes": [attr("code.filepath", path), attr("code.function", "main"), attr("code.lineno", line + 23)],
            "events": [{"name": "exception", "timeUnixNano": str(time.time_ns()), "attributes": [
                attr("exception.type", "SIGABRT"), attr("exception.message", "card declined"),
                attr("exception.stacktrace", backtrace)]}]}]}]}]}


def capture_count(scenario, breakpoint_id):
    # Read in the page: the live updates replace cells, so element handles go stale.
    text = scenario.text(f"tr[data-breakpoint='{breakpoint_id}'] .capture-count")
    return int(text) if text else -1


# ---- the scenario --------------------------------------------------------------------------

def run(s, example, capture_line):
    d = s.driver
    source_path = str(EXAMPLE_SOURCE)
    sdk_key = s.api("POST", "/api/keys", json={"name": "browser test", "role": "sdk", "services": [SERVICE]}).json()["key"]

    # 1. Sign in.
    d.get(s.base + "/")
    s.wait(lambda: d.current_url.endswith("/login"), message="the redirect to /login")
    assert s.api("GET", "/api/services", key="").status_code == 401, s.api("GET", "/api/services", key="").text
    s.act("#key", lambda e: e.send_keys("tk_wrong_key" + Keys.ENTER), message="the key field")
    s.wait(lambda: "error=1" in d.current_url and d.execute_script(
        "const e = document.getElementById('login-error'); return !!e && !e.hidden;"), message="the sign-in error")
    s.shot("login-refused")
    s.act("#key", lambda e: e.send_keys(s.admin + Keys.ENTER), message="the key field")
    s.wait(lambda: d.current_url.rstrip("/") == s.base and s.finds("main h1"), message="the dashboard")
    cookie = d.get_cookie("tk_session")
    assert cookie and cookie["httpOnly"] is True and cookie.get("sameSite") == "Strict", cookie
    assert d.execute_script("return document.cookie") == "", "the session cookie must not be readable by scripts"
    s.shot("signed-in")
    s.step("sign in: a wrong key is refused; the session cookie is HttpOnly and SameSite=Strict")

    # 2. Ingest a trace; Browse Code shows the file and function.
    body = gzip.compress(json.dumps(otlp_trace(source_path, capture_line)).encode())
    reply = requests.post(s.base + "/v1/traces", data=body, timeout=10,
                          headers={"X-API-Key": sdk_key, "Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert reply.status_code == 200, reply.text
    s.nav("Browse Code")
    file_css = f"details[data-file='{source_path}']"
    s.wait(lambda: s.finds(file_css), message="the file in Browse Code")

    def expand_file():   # keyboard: Enter on the summary; again if a refresh redrew the tree first
        if s.attributes(file_css, "open") != [""]:
            s.press_enter(f"{file_css} > summary")
        return s.attributes(file_css, "open") == [""]
    s.wait(expand_file, message="the file to open")
    functions = s.attributes(f"{file_css} .code-fn", "data-function")
    assert "charge" in functions and "main" in functions, functions
    s.shot("browse-code")
    s.step("OTLP trace with a native stack trace -> Browse Code shows the file and the functions charge, main")

    # 3. Set Breakpoint on the capture line.
    s.click(f"{file_css} .code-fn[data-function='charge'] .code-line[data-line='{capture_line}'] button[data-set-breakpoint]")
    form = "form[aria-label='New breakpoint']"
    for name, value in (("max_captures", "0"), ("capture_frequency", "1")):
        s.fill(form, name, value)
    s.shot("set-breakpoint-form")
    s.click(f"{form} button[type=submit]")
    s.wait(lambda: any("Breakpoint set" in t for t in s.texts("#toast div")), message="the confirmation")
    created = [bp for bp in s.api("GET", f"/api/breakpoints?service={SERVICE}").json()["breakpoints"]
               if bp["file_path"] == source_path and bp["line_number"] == capture_line]
    assert len(created) == 1 and created[0]["enabled"], created
    breakpoint_id = created[0]["id"]
    s.shot("breakpoint-set")
    s.step(f"Set Breakpoint at {pathlib.Path(source_path).name}:{capture_line} from Browse Code")

    # 4. The example service captures; the snapshot appears in the list without a reload.
    s.nav("Snapshots")
    s.wait(lambda: s.finds("table[aria-label='Snapshots'] tbody tr"), message="the snapshot list")
    s.no_reload_marker()
    service = subprocess.Popen([str(example), s.base, sdk_key, SERVICE, "40"], stdout=subprocess.PIPE, text=True)
    try:
        s.wait(lambda: s.finds("tr[data-snapshot]"), timeout=20, message="a snapshot in the list")
        assert s.same_document(), "the page reloaded"
        s.shot("snapshot-arrived-live")
        s.step("the example service (libtracekit C example) captures -> the snapshot appears without reload")

        # 5. Its detail shows the redaction markers.
        s.click("tr[data-snapshot] a")
        s.wait(lambda: s.finds("#variables .marker.redacted"), message="the variables tree")
        markers = s.texts("#variables .marker.redacted")
        assert "[REDACTED:email]" in markers and "[REDACTED:credit_card]" in markers, markers
        assert "jane@example.com" not in d.page_source
        s.shot("snapshot-detail")
        s.step("the snapshot detail marks [REDACTED:email] and [REDACTED:credit_card]")

        # 6. Live counters: capture count on Breakpoints, SDK count on Services.
        s.nav("Breakpoints")
        s.wait(lambda: capture_count(s, breakpoint_id) >= 1, message="the capture counter")
        # The example's first hit auto-registered (charge, before-charge), enabled; the breakpoint
        # set here by a person still wins (libtracekit: a person's breakpoint before an auto-registered one).
        auto = [bp for bp in s.api("GET", f"/api/breakpoints?service={SERVICE}").json()["breakpoints"] if bp["auto_registered"]]
        assert len(auto) == 1 and auto[0]["enabled"] and auto[0]["max_captures"] == 100, auto
        assert auto[0]["idle_timeout_hours"] == 24 and "expire_at" not in auto[0], auto
        s.no_reload_marker()
        first = capture_count(s, breakpoint_id)
        s.wait(lambda: capture_count(s, breakpoint_id) > first, timeout=10, message="the counter to grow live")
        assert s.same_document()
        s.shot("capture-counter-live")
        s.nav("Services")
        s.wait(lambda: int(s.text(f"tr[data-service='{SERVICE}'] .sdk-count") or 0) >= 1, message="the SDK count")
        s.shot("services-sdk-count")
        s.step(f"live: the capture counter grew {first} -> {capture_count_api(s, breakpoint_id)} and 1 SDK is connected, without reload")

        # 7. Kill switch: the counter stops.
        s.click(f"button[data-kill='{SERVICE}']")
        s.wait(lambda: s.driver.execute_script(
            "const b = document.querySelector(arguments[0]); return b && b.getAttribute('aria-pressed');",
            f"button[data-kill='{SERVICE}']") == "true", message="the kill switch")
        s.shot("kill-switch-on")
        time.sleep(1.5)   # a capture already in flight may still land
        s.nav("Breakpoints")
        s.wait(lambda: capture_count(s, breakpoint_id) >= 0, message="the breakpoint row")
        stopped_at = capture_count_api(s, breakpoint_id)
        time.sleep(4)
        assert capture_count_api(s, breakpoint_id) == stopped_at, "captures continued after the kill switch"
        assert capture_count(s, breakpoint_id) == stopped_at
        assert "kill switch on" in s.text(f"tr[data-breakpoint='{breakpoint_id}'] .status")
        s.shot("counter-stopped")
        s.step(f"kill switch -> the counter stays at {stopped_at} for 4 s")

        # Edit the breakpoint from its row: condition, max captures and idle timeout.
        s.click(f"tr[data-breakpoint='{breakpoint_id}'] td.actions button")
        form = "form[aria-label='Edit breakpoint']"
        for name, value in (("condition", "amount >= 0"), ("max_captures", "500"), ("idle_timeout_hours", "48")):
            s.fill(form, name, value)
        s.press_enter(f"{form} [name='max_captures']")
        s.wait(lambda: s.api("GET", f"/api/breakpoints/{breakpoint_id}").json().get("condition") == "amount >= 0",
               message="the edit to be saved")
        s.wait(lambda: "amount >= 0" in (s.text(f"tr[data-breakpoint='{breakpoint_id}']") or ""), message="the edited row")
        edited = s.api("GET", f"/api/breakpoints/{breakpoint_id}").json()
        assert (edited["max_captures"], edited["idle_timeout_hours"]) == (500, 48), edited
        s.shot("breakpoint-edited")
        s.step("edit a breakpoint's condition, max captures and idle timeout from the list")
    finally:
        service.kill()
        service.wait()

    # 8. A malicious label is shown as text.
    reply = s.api("POST", "/api/breakpoints", json={"service_name": SERVICE, "function_name": "charge", "label": XSS})
    assert reply.status_code == 201, reply.text
    s.wait(lambda: XSS in (s.text("table[aria-label='Breakpoints'] tbody") or ""), message="the label as text")
    try:
        alert = d.switch_to.alert
        raise AssertionError(f"an alert opened: {alert.text}")
    except NoAlertPresentException:
        pass
    assert not s.finds("main img"), "the label became an element"
    s.shot("malicious-label-as-text")

    # ... also on a snapshot (sent with the SDK capture route), whose variables carry truncation markers.
    assert s.api("POST", f"/api/services/{SERVICE}/kill-switch", json={"enabled": False}).status_code == 200
    time.sleep(1.1)   # the breakpoint's capture_frequency is 1 s
    capture = {"breakpoint_id": breakpoint_id, "service_name": SERVICE, "file_path": source_path, "line_number": capture_line,
               "function_name": "charge", "label": XSS, "captured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "variables": {"note": XSS, "order": {"_truncated": True, "_depth": 3},
                             "items": {"_truncated": True, "_depth": 3, "_length": 500}}}
    reply = requests.post(s.base + "/sdk/snapshots/capture", json=capture, headers={"X-API-Key": sdk_key}, timeout=10)
    assert reply.status_code == 201, reply.text
    s.nav("Snapshots")
    s.wait(lambda: XSS in (s.text("table[aria-label='Snapshots'] tbody") or ""), message="the snapshot label as text")
    s.click(f"tr[data-snapshot='{reply.json()['id']}'] a")
    s.wait(lambda: len(s.finds("#variables .marker.truncated")) == 2, message="the truncation markers")
    assert XSS in s.text("#variables") and XSS in s.text("dl.meta")
    assert not s.finds("main img"), "a variable became an element"
    s.shot("snapshot-label-and-truncation")
    s.step("a label <img src=x onerror=alert(1)> is shown as text on a breakpoint and a snapshot; truncations are marked")

    # 8b. Delete that snapshot from its page: back on the list, it is gone (and the API agrees).
    s.click((By.XPATH, "//button[normalize-space()='Delete snapshot']"))
    s.wait(lambda: d.switch_to.alert, message="the confirmation dialog", also_ignored=(NoAlertPresentException,)).accept()
    s.wait(lambda: d.current_url.endswith("/snapshots") and s.finds("table[aria-label='Snapshots'] tbody tr"),
           message="the snapshot list after deleting")
    s.wait(lambda: not s.finds(f"tr[data-snapshot='{reply.json()['id']}']"), message="the deleted snapshot gone from the list")
    assert s.api("GET", f"/api/snapshots/{reply.json()['id']}").status_code == 404
    s.shot("snapshot-deleted")
    s.step("delete a snapshot from its page -> gone from the list and the API")

    # 9. The snapshot list's filters from the URL: on a direct load and after a reload.
    breakpoints = s.api("GET", f"/api/breakpoints?service={SERVICE}").json()["breakpoints"]
    label_bp = next(bp["id"] for bp in breakpoints if bp["label"] == XSS)
    other = dict(capture, breakpoint_id=label_bp, captured_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    reply = requests.post(s.base + "/sdk/snapshots/capture", json=other, headers={"X-API-Key": sdk_key}, timeout=10)
    assert reply.status_code == 201, reply.text
    expected = {snap["id"] for snap in s.api("GET", f"/api/snapshots?breakpoint_id={label_bp}").json()["snapshots"]}
    everything = {snap["id"] for snap in s.api("GET", "/api/snapshots?limit=500").json()["snapshots"]}
    assert expected == {reply.json()["id"]} and len(everything) > 1, (expected, len(everything))
    shown = lambda: set(s.attributes("tr[data-snapshot]", "data-snapshot"))
    selected = lambda: (d.execute_script("return document.querySelector(\"select[name='service']\").value"),
                        d.execute_script("return document.querySelector(\"select[name='breakpoint_id']\").value"))
    for how in ("direct load", "reload"):
        if how == "direct load":
            d.get(f"{s.base}/snapshots?service={SERVICE}&breakpoint={label_bp}")
        else:
            d.refresh()
        s.wait(lambda: shown() == expected and selected() == (SERVICE, label_bp), message=f"the filtered list ({how})")
        time.sleep(1)   # the event stream's first frames arrive: the filters must survive them
        assert shown() == expected and selected() == (SERVICE, label_bp), (how, shown(), selected())
    d.get(f"{s.base}/snapshots?service=no-such-service")
    s.wait(lambda: "No snapshots match." in (s.text("table[aria-label='Snapshots'] tbody") or ""), message="an empty filtered list")
    s.shot("snapshots-filtered-from-url")
    s.step("/snapshots?service=…&breakpoint=… filters on a direct load and after a reload")

    # 10. Sign out.
    s.click((By.XPATH, "//button[normalize-space()='Sign out']"))
    s.wait(lambda: d.current_url.endswith("/login"), message="the sign-in page")
    status = d.execute_async_script(
        "const done = arguments[0]; fetch('/api/services', {credentials: 'same-origin'}).then(r => done(r.status));")
    assert status == 401, status
    d.get(s.base + "/snapshots")
    assert d.current_url.endswith("/login")
    s.shot("signed-out")
    s.step("sign out -> pages redirect to /login and the API answers 401")


def capture_count_api(s, breakpoint_id):
    return s.api("GET", f"/api/breakpoints/{breakpoint_id}").json()["capture_count"]


def main():
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = pathlib.Path(tmp_name)
        example, capture_line = build_example(tmp)
        server, admin = start_server(tmp)
        driver = start_browser()
        scenario = Scenario(driver, server.base_url, admin)
        try:
            run(scenario, example, capture_line)
        except Exception as error:
            print(f"not ok {scenario.passed + 1} - {type(error).__name__}: {error}", flush=True)
            print(f"browser test: FAILED after {scenario.passed} steps; screenshots in {ARTIFACTS}")
            return 1
        finally:
            driver.quit()
            server.stop()
    print(f"browser test: {scenario.passed} steps passed in {time.time() - started:.1f} s; "
          f"{scenario.shots} screenshots in {ARTIFACTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
