#!/usr/bin/python3
"""Drive headless Chromium through the pages of a running mewsd (issue:
"a headless Chromium test that logs in, changes the default PIN, opens the
dashboard, sees live values from mews-sim update, and saves screenshots of
the dashboard on a desktop and a phone viewport").

No npm, no playwright: the DevTools protocol over --remote-debugging-pipe
(commands on the browser's fd 3, answers and events on its fd 4, each
message JSON ended by a NUL byte), one page target in a flat session.

usage: web_browser.py URL CERT_PEM SCREENSHOT_DIR CHROMIUM_LOG WORK_DIR
Prints one "PASS text" or "FAIL text" line a check, anything else is a
comment for the TAP output; a broken browser or protocol is one more FAIL
line.  The browser is always closed, its process group killed, on the way
out (SIGTERM included); its group id is in WORK_DIR/chromium.pgid for the
shell to kill should this process be killed outright.
"""

import base64
import fcntl
import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.parse

URL, CERT, SHOTS, CHROME_LOG, WORK = sys.argv[1:6]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
DEADLINE = time.monotonic() + float(os.environ.get("BROWSER_TIMEOUT", "45"))

INSTALLER_PIN = "55555"
NEW_PIN = "24680"


def say(kind, text):
    print(f"{kind} {text}", flush=True)


def check(cond, text, detail=""):
    say("PASS" if cond else "FAIL",
        text if cond or not detail else f"{text} ({detail})")
    return cond


class Broken(Exception):
    """The browser or the protocol failed: the remaining checks cannot run."""


def spki_hash(cert):
    """base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo."""
    pub = subprocess.run(["openssl", "x509", "-in", cert, "-pubkey", "-noout"],
                         check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"],
                         input=pub, check=True, capture_output=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


class Browser:
    def __init__(self):
        host = urllib.parse.urlsplit(URL).hostname
        # All four pipe ends well above 4, so that fds 3 and 4 can be set
        # for the child without clobbering any of them.
        to_chrome_r, to_chrome_w, from_chrome_r, from_chrome_w = (
            self._high(fd) for fd in os.pipe() + os.pipe())
        args = [
            CHROMIUM, "--headless=new", "--remote-debugging-pipe",
            "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-sync",
            "--disable-component-update", "--disable-default-apps",
            "--password-store=basic", "--use-mock-keychain",
            # The poller must not be throttled in a "background" page.
            "--disable-background-timer-throttling",
            "--disable-renderer-backgrounding",
            "--user-data-dir=" + os.path.join(WORK, "profile"),
            "--lang=en-US",
            # The daemon's self-signed certificate, trusted by its key and
            # nothing else (Chromium honours this flag only together with
            # --user-data-dir).
            "--ignore-certificate-errors-spki-list=" + spki_hash(CERT),
            # The host name resolves to 127.0.0.1 here; the rule makes sure
            # of it without touching /etc/hosts.
            f"--host-resolver-rules=MAP {host} 127.0.0.1",
            "about:blank",
        ]
        self.log = self._high(os.open(CHROME_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
        # The browser reads commands on its fd 3 and writes on its fd 4:
        # put the pipe ends there for the time of the fork, keeping whatever
        # this process had on 3 and 4 aside, and pass exactly those two.
        saved = {}
        try:
            for target, src in ((3, to_chrome_r), (4, from_chrome_w)):
                try:
                    saved[target] = self._high(target, close=False)
                except OSError:
                    saved[target] = None
                os.dup2(src, target)
            # Its own process group: renderers and helpers go with it.
            self.proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=self.log,
                stderr=self.log, pass_fds=(3, 4), start_new_session=True,
                env=dict(os.environ, LANG="en_US.UTF-8", LANGUAGE="en_US"))
        finally:
            for target, old in saved.items():
                if old is None:
                    os.close(target)
                else:
                    os.dup2(old, target, inheritable=False)
                    os.close(old)
            os.close(to_chrome_r)
            os.close(from_chrome_w)
        # For the shell's clean-up, should this process be killed first.
        with open(os.path.join(WORK, "chromium.pgid"), "w") as f:
            f.write(f"{self.proc.pid}\n")
        self.out = to_chrome_w
        self.inp = from_chrome_r
        self.buf = b""
        self.next_id = 0
        self.pending = []	# events read while waiting for an answer
        self.session = None
        self.errors = []	# console errors and exceptions of the page
        self.csp = []		# Content-Security-Policy violations
        self.network = []	# failed loads: (url, status, text)
        self.requests = {}

    @staticmethod
    def _high(fd, close=True):
        """A close-on-exec copy of fd numbered 10 or more."""
        new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
        if close:
            os.close(fd)
        return new

    def _read_message(self, until):
        while b"\0" not in self.buf:
            left = until - time.monotonic()
            if left <= 0:
                raise Broken("no answer from the browser in time")
            ready, _, _ = select.select([self.inp], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.inp, 1 << 20)
            if not chunk:
                raise Broken("the browser closed its pipe (exit status %s)"
                             % self.proc.poll())
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def _event(self, msg):
        method, p = msg.get("method"), msg.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            text = d.get("exception", {}).get("description") or d.get("text")
            self.errors.append("exception: " + str(text).splitlines()[0])
        elif method == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", "")))
                            for a in p.get("args", []))
            self.errors.append(f"console.{p['type']}: {text}")
        elif method == "Log.entryAdded":
            e = p["entry"]
            text = e.get("text", "")
            if "Content Security Policy" in text or e.get("source") == "security":
                self.csp.append(text)
            elif e.get("level") == "error" and e.get("source") != "network":
                self.errors.append(f"log {e.get('source')}: {text}")
        elif method == "Network.responseReceived":
            r = p["response"]
            if r["status"] >= 400:
                self.network.append((r["url"], r["status"], r.get("statusText", "")))
        elif method == "Network.loadingFailed":
            if not p.get("canceled"):
                self.network.append((self.requests.get(p["requestId"], "?"), 0,
                                     p.get("errorText", "")))
        elif method == "Network.requestWillBeSent":
            self.requests[p["requestId"]] = p["request"]["url"]
        elif method == "Security.certificateError":
            self.errors.append("certificate error: " + p.get("errorType", ""))
        elif method == "Inspector.targetCrashed":
            raise Broken("the page crashed")

    def pump(self, seconds=0.0):
        """Handle the events that arrive within the next seconds."""
        until = time.monotonic() + seconds
        for msg in self.pending:
            self._event(msg)
        self.pending = []
        while True:
            if b"\0" not in self.buf:
                left = max(0.0, until - time.monotonic())
                ready, _, _ = select.select([self.inp], [], [], left)
                if not ready:
                    return
            self._event(self._read_message(time.monotonic() + 5))

    def send(self, method, params=None, page=True, timeout=10):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if page and self.session:
            msg["sessionId"] = self.session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self.out, data):]
        until = min(time.monotonic() + timeout, DEADLINE + 5)
        while True:
            reply = self._read_message(until)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise Broken(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.pending.append(reply)

    def open_page(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, page=False)
        self.session = self.send("Target.attachToTarget",
                                 {"targetId": target["targetId"], "flatten": True},
                                 page=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(domain + ".enable")

    def eval(self, expression):
        r = self.send("Runtime.evaluate", {"expression": expression,
                                           "awaitPromise": True,
                                           "returnByValue": True})
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise Broken("evaluate: " + str(d.get("exception", {}).get("description")
                                            or d.get("text")))
        self.pump()
        return r["result"].get("value")

    def wait(self, expression, seconds=10):
        """Evaluate every 100 ms until the value is truthy; return it or None."""
        until = min(time.monotonic() + seconds, DEADLINE)
        while True:
            value = self.eval(expression)
            if value:
                return value
            if time.monotonic() >= until:
                return None
            self.pump(0.1)

    def viewport(self, width, height, scale, mobile):
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height,
                   "deviceScaleFactor": scale, "mobile": mobile})
        self.send("Emulation.setTouchEmulationEnabled", {"enabled": mobile})

    def screenshot(self, path):
        data = base64.b64decode(self.send("Page.captureScreenshot",
                                          {"format": "png"})["data"])
        with open(path, "wb") as f:
            f.write(data)
        return data

    def close(self):
        try:
            if self.proc.poll() is None:
                try:
                    self.send("Browser.close", page=False, timeout=3)
                except Exception:
                    pass
                try:
                    self.proc.wait(3)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            # Whatever is left of its process group, by the group we made.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
            # Its helpers, orphaned when the browser died, came to this
            # subreaper: reap them so that no zombie is left behind.
            until = time.monotonic() + 3
            while time.monotonic() < until:
                try:
                    os.killpg(self.proc.pid, 0)
                except (ProcessLookupError, PermissionError):
                    break
                try:
                    os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                time.sleep(0.02)
            for fd in (self.out, self.inp):
                try:
                    os.close(fd)
                except OSError:
                    pass
            os.close(self.log)


def js(value):
    return json.dumps(value)


def fill(b, selector, value):
    """A typed value, as the page's listeners see one."""
    b.eval(f"""(() => {{
        const el = document.querySelector({js(selector)});
        el.focus();
        el.value = {js(value)};
        el.dispatchEvent(new Event('input', {{ bubbles: true }}));
        el.dispatchEvent(new Event('change', {{ bubbles: true }}));
        return true;
    }})()""")


def exists(selector):
    return f"document.querySelector({js(selector)}) !== null"


def text_of(selector):
    return f"(document.querySelector({js(selector)}) || {{}}).textContent"


# What the dashboard shows: every value element's text, by card and metric.
DASH_VALUES = """(() => {
    const out = {};
    for (const el of document.querySelectorAll('#dashboard [data-metric]')) {
        const card = el.closest('[data-device]');
        out[(card ? card.dataset.device : '?') + '.' + el.dataset.metric] = el.textContent;
    }
    return out;
})()"""


def number(text):
    try:
        return float(text.replace(",", ""))
    except (AttributeError, ValueError):
        return None


def page_errors(b, since_e, since_c, since_n, allow_401=()):
    """The errors the page reported after the given counts, as one string."""
    bad = b.errors[since_e:] + ["CSP: " + t for t in b.csp[since_c:]]
    for url, status, text in b.network[since_n:]:
        path = urllib.parse.urlsplit(url).path
        if status == 401 and path in allow_401:
            continue	# not logged in yet: the app asks, and is told so
        bad.append(f"HTTP {status or text} for {path}")
    return "; ".join(bad)


def run(b):
    os.makedirs(SHOTS, exist_ok=True)
    b.open_page()
    b.viewport(1280, 800, 1, False)

    # 1. The login page, and nothing the page complained about.
    b.send("Page.navigate", {"url": URL + "/"})
    loaded = b.wait(exists("#login-form") + " && " + exists("#profile-installer")
                    + " && " + exists("#pin") + " && " + exists("#login-submit"))
    b.pump(0.5)	# late console messages and the status request
    errs = page_errors(b, 0, 0, 0, allow_401=("/api/session", "/api/status"))
    check(loaded and not errs,
          "the login page loads with no console errors or CSP violations",
          "login form not shown" if not loaded else errs)
    if not loaded:
        raise Broken("no login page: " + str(b.eval("document.body.innerText")))
    mark = (len(b.errors), len(b.csp), len(b.network))

    # 2. The installer with its delivery PIN: the banner asks for a new one.
    b.eval("document.querySelector('#profile-installer').click(), true")
    fill(b, "#pin", INSTALLER_PIN)
    b.eval("document.querySelector('#login-submit').click(), true")
    banner = b.wait(exists("#pin-banner") + " && document.body.classList.contains('has-session')")
    check(bool(banner), "installer logs in with 55555 and sees #pin-banner",
          "alert: %r, hash %s" % (b.eval(text_of("#alert")), b.eval("location.hash")))

    # 3. The change-PIN form, reached from the banner's link.
    if banner:
        b.eval("document.querySelector('#pin-banner a').click(), true")
    else:
        b.eval("location.hash = '#/pin', true")
    form = b.wait(exists("#pin-form"))
    if form:
        fill(b, "#old-pin", INSTALLER_PIN)
        fill(b, "#new-pin", NEW_PIN)
        fill(b, "#new-pin2", NEW_PIN)
        b.eval("document.querySelector('#pin-submit').click(), true")
    gone = form and b.wait("!(" + exists("#pin-banner") + ") && !(" + exists("#pin-form") + ")")
    check(bool(gone), f"changing the PIN to {NEW_PIN} through #pin-form removes the banner",
          "no #pin-form" if not form else
          "alert: %r, field errors: %r" % (b.eval(text_of("#alert")), b.eval(
              "[...document.querySelectorAll('.field-error:not([hidden])')].map(e => e.textContent).join('; ')")))

    # 4. The dashboard, with the SDM630's L1 voltage from mews-sim.
    b.eval("(document.querySelector('#nav-list a[href=\"#/dashboard\"]') || {click() { location.hash = '#/dashboard'; }}).click(), true")
    volt_sel = "#dashboard [data-device=main] [data-metric=voltage_l1]"
    volt = b.wait(f"""(() => {{
        if (location.hash !== '#/dashboard') return null;
        const t = {text_of(volt_sel)};
        return t && /[0-9]/.test(t) ? t : null;
    }})()""")
    v = number(volt)
    check(v is not None and 100 <= v <= 300,
          f"the dashboard shows main's voltage_l1 between 100 and 300 ({volt} V)",
          "hash %s, text %r, cards %r" % (b.eval("location.hash"), volt,
                                            b.eval("[...document.querySelectorAll('[data-device]')].map(e => e.dataset.device)")))

    # 5. Live: some value changes while we watch (the page refreshes every 2 s).
    before = b.eval(DASH_VALUES) or {}
    t0 = time.monotonic()
    changed = b.wait(f"""(() => {{
        const before = {js(before)}, now = {DASH_VALUES};
        const keys = Object.keys(now).filter(k => k in before && now[k] !== before[k]);
        return keys.length ? keys.map(k => k + ': ' + before[k] + ' -> ' + now[k]) : null;
    }})()""", seconds=10)
    check(bool(changed) and len(before) > 0,
          "live values update (%s after %.1f s)" % (", ".join((changed or [])[:2]), time.monotonic() - t0),
          "%d values, none changed in 10 s" % len(before))

    # The "PIN changed" toast (5 s) has slid away and every card has its
    # values before the pictures are taken.
    b.wait("(() => { const n = document.querySelector('#notice');"
           " return !n || (!n.classList.contains('shown') && n.textContent === ''); })()",
           seconds=6)
    b.wait("""(() => {
        const cards = [...document.querySelectorAll('#dashboard [data-device]')];
        return cards.length >= 3 && cards.every(c => !/No answer yet/.test(c.textContent));
    })()""", seconds=5)

    # 6. Screenshots: a desktop, then a phone that must not scroll sideways.
    for name, (w, h, scale, mobile) in (("desktop", (1280, 800, 1, False)),
                                        ("phone", (390, 844, 3, True))):
        b.viewport(w, h, scale, mobile)
        b.wait("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(innerWidth))))")
        b.wait(exists(volt_sel), 3)
        path = os.path.join(SHOTS, f"dashboard-{name}.png")
        data = b.screenshot(path)
        png = data[:8] == b"\x89PNG\r\n\x1a\n"
        pw = int.from_bytes(data[16:20], "big") if png else 0
        ph = int.from_bytes(data[20:24], "big") if png else 0
        good = png and len(data) > 8000 and (pw, ph) == (w * scale, h * scale)
        check(good, f"screenshot {path} ({pw}x{ph}, {len(data)} bytes)",
              "not a PNG" if not png else f"wanted {w * scale}x{h * scale} and > 8000 bytes")
    sizes = b.eval("[document.documentElement.scrollWidth, innerWidth]")
    check(sizes and sizes[0] <= sizes[1],
          "no horizontal scroll on the phone (scrollWidth %s, innerWidth %s)" % tuple(sizes or (None, None)),
          "the page is wider than the screen")

    # 8. Logout on the phone: the menu, then the button.
    menu_shown = b.eval("getComputedStyle(document.querySelector('#menu-button')).display !== 'none'")
    logout_hidden = b.eval("document.querySelector('#logout').offsetParent === null")
    if menu_shown:
        b.eval("document.querySelector('#menu-button').click(), true")
    usable = b.wait("document.querySelector('#logout').offsetParent !== null", 3)
    if usable:
        b.eval("document.querySelector('#logout').click(), true")
    back = usable and b.wait(exists("#login-form") + " && location.hash === '#/login'"
                             + " && !document.body.classList.contains('has-session')")
    check(bool(back) and menu_shown and logout_hidden,
          "logout through #menu-button then #logout on the phone returns to the login page",
          "menu button shown %s, logout hidden before %s, usable after %s, hash %s"
          % (menu_shown, logout_hidden, usable, b.eval("location.hash")))

    # 7. The keyboard: the PIN typed, Enter submits the form.
    b.viewport(1280, 800, 1, False)
    ready = b.wait(exists("#login-form"))
    if ready:
        b.eval("document.querySelector('#profile-installer').checked = true, true")
        # Enter in a radio group would not submit: the PIN field has focus.
        b.eval("document.querySelector('#pin').focus(), true")
        b.send("Input.insertText", {"text": NEW_PIN})
        for kind in ("keyDown", "keyUp"):
            b.send("Input.dispatchKeyEvent", {
                "type": kind, "key": "Enter", "code": "Enter", "text": "\r" if kind == "keyDown" else "",
                "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13})
    home = ready and b.wait("document.body.classList.contains('has-session') && "
                            "location.hash === '#/home' && !(" + exists("#pin-banner") + ")")
    check(bool(home), "Enter in the PIN field submits the login form (new PIN, no banner)",
          "hash %s, alert %r" % (b.eval("location.hash"), b.eval(text_of("#alert"))))

    # 9. The tariffs, read-only for the installer: no add button.
    b.eval("(document.querySelector('#nav-list a[href=\"#/tariffs\"]') || {click() { location.hash = '#/tariffs'; }}).click(), true")
    shown = b.wait("""(() => {
        const t = document.querySelector('#main table');
        return location.hash === '#/tariffs' && t && /day-night/.test(t.textContent) ? t.textContent : null;
    })()""")
    buttons = b.eval("[...document.querySelectorAll('#main button')].map(e => e.textContent)")
    check(bool(shown) and "0.28" in shown and "main" in shown and not buttons,
          "the tariffs page lists day-night, its prices and devices, read-only for the installer",
          "table %r, buttons %r" % (shown, buttons))
    # 10. Alarms: the header's badge counts the raised overvoltage (the
    # configuration's rule above 200 V), its page acknowledges it.
    badge = home and b.wait("(() => { const a = document.querySelector('#alarm-badge');"
                            " return a && !a.hidden ? a.textContent : null; })()", 12)
    check(badge == "1 alarm", "the header's #alarm-badge says 1 alarm", "badge %r" % badge)
    if badge:
        b.eval("document.querySelector('#alarm-badge').click(), true")
    ack_sel = "button[aria-label='Acknowledge overvoltage']"
    shown = badge and b.wait(exists(ack_sel) + " && location.hash === '#/alarms'")
    if shown:
        b.eval(f"document.querySelector({js(ack_sel)}).click(), true")
    acked = shown and b.wait("(() => { const a = document.querySelector('#alarm-badge');"
                             " return a.hidden && /Acknowledged/.test(document.querySelector('main').textContent)"
                             " && !document.querySelector(" + js(ack_sel) + "); })()", 8)
    check(bool(acked), "#/alarms acknowledges it: the badge goes, the alarm reads Acknowledged",
          "hash %s, alert %r" % (b.eval("location.hash"), b.eval(text_of("#alert"))))

    # And through all of it: nothing logged an error.
    b.pump(0.3)
    # /api/status answers 401 without a session (after the logout): the
    # footer then stays empty, as shell.js intends.
    errs = page_errors(b, *mark, allow_401=("/api/session", "/api/status"))
    check(not errs, "no console errors, CSP violations or failed requests after login", errs)


def subreaper():
    """Become the parent of the browser's orphans (Linux), to reap them."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)	# PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def main():
    b = None
    subreaper()
    # timeout(1) ends a stuck run with TERM: close the browser on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        b = Browser()
        run(b)
    except Broken as e:
        say("FAIL", f"the browser test stopped: {e}")
    except SystemExit:
        say("FAIL", "the browser driver was stopped (SIGTERM)")
        raise
    except Exception as e:
        import traceback
        traceback.print_exc(file=sys.stdout)
        say("FAIL", f"the browser driver broke: {e!r}")
    finally:
        if b:
            b.close()


if __name__ == "__main__":
    main()
