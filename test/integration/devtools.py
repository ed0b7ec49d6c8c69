"""Headless Chromium driven over the DevTools protocol, for the browser
tests (web_browser.py, web_pages.py).

No npm, no playwright: the protocol over --remote-debugging-pipe (commands
on the browser's fd 3, answers and events on its fd 4, each message JSON
ended by a NUL byte), one page target in a flat session.  Input goes
through Input.dispatch*Event, as a user's mouse and keyboard would: a click
lands on whatever is drawn at the element's centre.

A driver calls drive(run): its arguments are URL CERT_PEM SCREENSHOT_DIR
CHROMIUM_LOG WORK_DIR [MORE...]; it prints one "PASS text" or "FAIL text"
line a check, anything else is a comment for the TAP output; a broken
browser or protocol is one more FAIL line.  The browser is always closed,
its process group killed, on the way out (SIGTERM included); its group id
is in WORK_DIR/chromium.pgid for the shell to kill should the driver be
killed outright.
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


def js(value):
    return json.dumps(value)


def exists(selector):
    return f"document.querySelector({js(selector)}) !== null"


def text_of(selector):
    return f"(document.querySelector({js(selector)}) || {{}}).textContent"


# Keys as Input.dispatchKeyEvent wants them: key, code, virtual key code.
KEYS = {
    "Enter": ("Enter", "Enter", 13, "\r"),
    "Tab": ("Tab", "Tab", 9, ""),
    "Escape": ("Escape", "Escape", 27, ""),
    "Backspace": ("Backspace", "Backspace", 8, ""),
    "Space": (" ", "Space", 32, " "),
}
SHIFT = 8
CTRL = 2


class Browser:
    def __init__(self, url, cert, chrome_log, work, seconds):
        self.url = url
        self.deadline = time.monotonic() + seconds
        host = urllib.parse.urlsplit(url).hostname
        # All four pipe ends well above 4, so that fds 3 and 4 can be set
        # for the child without clobbering any of them.
        to_chrome_r, to_chrome_w, from_chrome_r, from_chrome_w = (
            self._high(fd) for fd in os.pipe() + os.pipe())
        args = [
            os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            "--headless=new", "--remote-debugging-pipe",
            "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-sync",
            "--disable-component-update", "--disable-default-apps",
            "--password-store=basic", "--use-mock-keychain",
            # The poller must not be throttled in a "background" page.
            "--disable-background-timer-throttling",
            "--disable-renderer-backgrounding",
            "--user-data-dir=" + os.path.join(work, "profile"),
            "--lang=en-US",
            # The daemon's self-signed certificate, trusted by its key and
            # nothing else (Chromium honours this flag only together with
            # --user-data-dir).
            "--ignore-certificate-errors-spki-list=" + spki_hash(cert),
            # The host name resolves to 127.0.0.1 here; the rule makes sure
            # of it without touching /etc/hosts.
            f"--host-resolver-rules=MAP {host} 127.0.0.1",
            "about:blank",
        ]
        self.log = self._high(os.open(chrome_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
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
        with open(os.path.join(work, "chromium.pgid"), "w") as f:
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
        self.requests = {}	# every request: id -> (method, url)
        self.answers = []	# every response: (id, url, status)
        self.finished = set()	# the ids of responses wholly loaded

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
            self.answers.append((p["requestId"], r["url"], r["status"]))
            if r["status"] >= 400:
                self.network.append((r["url"], r["status"], r.get("statusText", "")))
        elif method == "Network.loadingFinished":
            self.finished.add(p["requestId"])
        elif method == "Network.loadingFailed":
            if not p.get("canceled"):
                self.network.append((self.requests.get(p["requestId"], ("", "?"))[1], 0,
                                     p.get("errorText", "")))
        elif method == "Network.requestWillBeSent":
            self.requests[p["requestId"]] = (p["request"]["method"], p["request"]["url"])
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
        until = min(time.monotonic() + timeout, self.deadline + 5)
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

    def wait(self, expression, seconds=20):
        """Evaluate every 100 ms until the value is truthy; return it or None."""
        until = min(time.monotonic() + seconds, self.deadline)
        while True:
            value = self.eval(expression)
            if value:
                return value
            if time.monotonic() >= until:
                return None
            self.pump(0.1)

    def sent(self, method, path):
        """How many requests the page made with this method to this path."""
        return sum(1 for m, u in self.requests.values()
                   if m == method and urllib.parse.urlsplit(u).path == path)

    def count(self, path, status):
        """How many answers with this status came from this path."""
        self.pump()
        return sum(1 for _, u, st in self.answers
                   if st == status and urllib.parse.urlsplit(u).path == path)

    def until(self, test, seconds=20):
        """Handle events until test() is true; whether it became true."""
        end = min(time.monotonic() + seconds, self.deadline)
        while not test():
            if time.monotonic() >= end:
                return False
            self.pump(0.05)
        return True

    def answer(self, path, status):
        """The JSON body of the page's last response with this status from
        this path, or None."""
        self.pump()
        for rid, u, st in reversed(self.answers):
            if st == status and urllib.parse.urlsplit(u).path == path:
                # The body is there once loaded, which on a loaded machine
                # may come well after the headers.
                self.until(lambda: rid in self.finished, 10)
                r = self.send("Network.getResponseBody", {"requestId": rid})
                body = r["body"]
                if r.get("base64Encoded"):
                    body = base64.b64decode(body).decode()
                return json.loads(body)
        return None

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

    # What a user does: the mouse on what is drawn, keys to the focus.

    def click(self, selector, seconds=20):
        """click_on the element the CSS selector finds."""
        return self.click_on(f"document.querySelector({js(selector)})", seconds)

    def click_on(self, element, seconds=20):
        """Wait for the element (a JS expression) to be shown and enabled,
        scroll it into view and press the mouse at its centre; False when
        it never showed up or something else is drawn on top of it there
        (nothing is clicked then)."""
        where = self.wait(f"""(() => {{
            const el = {element};
            if (!el || !el.isConnected || el.disabled) return null;
            el.scrollIntoView({{ block: 'center', inline: 'center' }});
            const r = el.getBoundingClientRect();
            if (r.width < 1 || r.height < 1) return null;
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);
            return hit && (hit === el || el.contains(hit)
                || (el.control && el.control === hit)) ? [x, y] : null;
        }})()""", seconds)
        if not where:
            return False
        x, y = where
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {
                "type": kind, "x": x, "y": y, "button": "left", "buttons": 1 if kind == "mousePressed" else 0,
                "clickCount": 1})
        self.pump()
        return True

    def key(self, name, modifiers=0, commands=None):
        if name in KEYS:
            key, code, vk, text = KEYS[name]
        else:
            key, code, vk, text = name, "Key" + name.upper(), ord(name.upper()), name
        down = {"type": "keyDown" if text and not modifiers else "rawKeyDown",
                "key": key, "code": code, "windowsVirtualKeyCode": vk,
                "nativeVirtualKeyCode": vk, "modifiers": modifiers}
        if text and not modifiers:
            down["text"] = down["unmodifiedText"] = text
        if commands:
            down["commands"] = commands
        self.send("Input.dispatchKeyEvent", down)
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code,
                                             "windowsVirtualKeyCode": vk,
                                             "nativeVirtualKeyCode": vk, "modifiers": modifiers})

    def type(self, text):
        """Each character a key press, to whatever has the focus."""
        for ch in text:
            code = ("Digit" + ch) if ch.isdigit() else ("Key" + ch.upper()) if ch.isalpha() else ""
            vk = ord(ch.upper()) if ch.isalnum() else 0
            self.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": ch, "code": code,
                                                 "text": ch, "unmodifiedText": ch,
                                                 "windowsVirtualKeyCode": vk})
            self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": ch, "code": code,
                                                 "windowsVirtualKeyCode": vk})
        self.pump()

    def fill(self, selector, text):
        """Click into a field, select what it holds and type over it."""
        if not self.click(selector):
            return False
        self.key("a", CTRL, ["selectAll"])
        self.key("Backspace")
        self.type(text)
        return self.eval(f"document.querySelector({js(selector)}).value") == text

    def focused(self):
        """A short description of the element with the focus."""
        return self.eval("""(() => {
            const e = document.activeElement;
            if (!e || e === document.body) return 'body';
            return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                + ' "' + (e.getAttribute('aria-label') || e.textContent || e.value || '').trim().slice(0, 40) + '"';
        })()""")

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


def page_errors(b, since, allow=()):
    """The errors the page reported after since (a mark()), as one string;
    allow: (status, path) pairs that are answers, not faults."""
    since_e, since_c, since_n = since
    bad = b.errors[since_e:] + ["CSP: " + t for t in b.csp[since_c:]]
    for url, status, text in b.network[since_n:]:
        path = urllib.parse.urlsplit(url).path
        if (status, path) in allow:
            continue
        bad.append(f"HTTP {status or text} for {path}")
    return "; ".join(bad)


def mark(b):
    """Where the error lists stand, for page_errors."""
    return (len(b.errors), len(b.csp), len(b.network))


def subreaper():
    """Become the parent of the browser's orphans (Linux), to reap them."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)	# PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def drive(run, seconds=45):
    """Start the browser, call run(browser, argv), close it whatever happens.
    BROWSER_TIMEOUT overrides the time the driver allows itself."""
    url, cert, _shots, chrome_log, work = sys.argv[1:6]
    seconds = float(os.environ.get("BROWSER_TIMEOUT", seconds))
    b = None
    subreaper()
    # timeout(1) ends a stuck run with TERM: close the browser on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        b = Browser(url, cert, chrome_log, work, seconds)
        run(b, sys.argv[1:])
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
