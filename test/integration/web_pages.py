#!/usr/bin/python3
"""The installer's pages in headless Chromium, used as a person would: the
mouse clicks what is drawn, the keys go to what has the focus.

- the unlock page: the installer locked by 3 wrong PINs, still on its
  default PIN, unlocked with its default PUK and a new PIN; that default
  PUK dies with the default PIN, so the page shows the new one mewsd
  made, once, with the advice to write it down (kept in WORK_DIR/puk for
  web_pages.sh to try);
- the device pages: every reading with its unit; the breaker's Open and
  Close behind their confirmation dialog (cancel sends nothing, confirm
  switches it, the page and the API then say so);
- the bus page: RX/TX counters moving, a scan finding mews-sim's devices,
  a raw test transaction answered;
- the device settings: one added through the form (a wrong address first,
  the server's error shown at that field), changed, removed, each time
  seen in the list and in mews.conf;
- the administrator's first PIN change with a PUK of its own typed, then
  the profiles page having mewsd make the user a PUK, shown once (kept in
  WORK_DIR/puk.user for web_pages.sh to try);
- the system settings: the state folder, certificate and key read-only
  (files on the box are set in mews.conf only), the form saved whole
  with one change and no path written;
- on every page: labels, accessible names, alt texts, one h1, a lang, the
  contrast of text in the light and the dark scheme, the main actions
  reached with Tab, and no console errors or CSP violations.

usage: web_pages.py URL CERT_PEM SCREENSHOT_DIR CHROMIUM_LOG WORK_DIR MEWS_CONF
"""

import os
import re
import struct
import time

from devtools import Broken, check, drive, exists, js, mark, page_errors, text_of

DEFAULT_PIN = "55555"
WRONG_PIN = "13579"
PUK = "00000 5555 00000"	# the default one, as printed, with its spaces
WRONG_PUK = "12345 6789 01234"
NEW_PIN = "24680"

# The canonical units (README, Metrics), by metric name; the device page
# must show them.
UNITS = [
    (r"^(thd|harmonic)_", "%"), (r"energy_(import|export)$", "kWh"), (r"energy_reactive_", "kvarh"),
    (r"power(_l[123])?$", "W"), (r"power_reactive$", "var"),
    (r"power_apparent$", "VA"), (r"voltage_", "V"), (r"current_", "A"),
    (r"frequency$", "Hz"), (r"power_factor$", ""),
    (r"(water|gas)_volume$", "m³"), (r"state$", ""), (r"trips$", ""),
]

# One eval: what a page lacks for assistive technology.
A11Y = r"""(() => {
    const text = (el) => (el ? el.textContent : '').replace(/\s+/g, ' ').trim();
    const byIds = (el, attr) => (el.getAttribute(attr) || '').split(/\s+/)
        .filter(Boolean).map((id) => text(document.getElementById(id))).join(' ').trim();
    const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (el.name ? '[name=' + el.name + ']' : '') + (text(el) ? ' "' + text(el).slice(0, 30) + '"' : '');
    const bad = [];
    for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
        const forLabel = el.id && [...document.querySelectorAll('label[for]')]
            .some((l) => l.htmlFor === el.id && text(l));
        if (!forLabel && !(el.getAttribute('aria-label') || '').trim() && !byIds(el, 'aria-labelledby'))
            bad.push('no label: ' + describe(el));
    }
    for (const el of document.querySelectorAll('button, [role=button], input[type=submit], input[type=button]')) {
        if (!text(el) && !(el.getAttribute('aria-label') || '').trim()
            && !byIds(el, 'aria-labelledby') && !(el.title || '').trim() && !(el.value || '').trim())
            bad.push('button without a name: ' + describe(el));
    }
    for (const el of document.querySelectorAll('a[href]')) {
        const alts = [...el.querySelectorAll('img[alt]')].map((i) => i.alt).join('');
        if (!text(el) && !alts.trim() && !(el.getAttribute('aria-label') || '').trim())
            bad.push('link without a name: ' + el.getAttribute('href'));
    }
    for (const el of document.querySelectorAll('img:not([alt])'))
        bad.push('image without alt: ' + el.getAttribute('src'));
    const h1 = document.querySelectorAll('h1').length;
    if (h1 !== 1)
        bad.push(h1 + ' h1 elements');
    if (!document.documentElement.lang)
        bad.push('no lang on <html>');
    return bad;
})()"""

# One eval: the text whose colour is too close to what is behind it.  The
# colours come from getComputedStyle, whatever their notation, through a
# 1-pixel canvas; the background is found by walking up to an opaque one,
# blending the translucent ones met on the way.
CONTRAST = r"""(() => {
    const cv = document.createElement('canvas');
    cv.width = cv.height = 1;
    const cx = cv.getContext('2d', { willReadFrequently: true });
    const rgba = (c) => {
        cx.clearRect(0, 0, 1, 1);
        cx.fillStyle = 'rgb(0 0 0 / 0)';
        cx.fillStyle = c;
        cx.fillRect(0, 0, 1, 1);
        const d = cx.getImageData(0, 0, 1, 1).data;
        return [d[0], d[1], d[2], d[3] / 255];
    };
    const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
    const lum = (c) => {
        const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    };
    const canvas = rgba(getComputedStyle(document.documentElement).colorScheme.includes('dark')
        && matchMedia('(prefers-color-scheme: dark)').matches ? 'Canvas' : 'white');
    canvas[3] = 1;
    const background = (el) => {
        const layers = [];
        for (let e = el; e; e = e.parentElement) {
            const s = getComputedStyle(e);
            if (s.backgroundImage !== 'none')
                return null;
            const c = rgba(s.backgroundColor);
            if (c[3] > 0)
                layers.push(c);
            if (c[3] >= 1)
                break;
        }
        let bg = canvas;
        for (const c of layers.reverse())
            bg = over(c, bg);
        return bg;
    };
    const opacity = (el) => {
        let o = 1;
        for (let e = el; e; e = e.parentElement)
            o *= Number(getComputedStyle(e).opacity);
        return o;
    };
    const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility === 'visible';
    const hex = (c) => '#' + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
    const bad = [];
    let checked = 0;
    const skipped = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    const candidates = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode())
        if (n.data.trim() && !seen.has(n.parentElement)) {
            seen.add(n.parentElement);
            candidates.push([n.parentElement, n.data.trim()]);
        }
    for (const el of document.querySelectorAll('input:not([type=hidden]):not([type=radio]):not([type=checkbox]), select'))
        if (el.value)
            candidates.push([el, el.value]);
    for (const [el, words] of candidates) {
        if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'OPTION', 'TITLE'].includes(el.tagName) || !shown(el))
            continue;
        if (el.closest(':disabled'))
            continue;	// an inactive control: exempt
        const bg = background(el);
        if (!bg) {
            skipped.push(words.slice(0, 20));
            continue;
        }
        let fg = rgba(getComputedStyle(el).color);
        fg = over([fg[0], fg[1], fg[2], fg[3] * opacity(el)], bg);
        const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
        const ratio = (a + 0.05) / (b + 0.05);
        checked++;
        if (ratio < 4.5)
            bad.push('"' + words.slice(0, 30) + '" ' + hex(fg) + ' on ' + hex(bg) + ': ' + ratio.toFixed(2));
    }
    return { checked, bad, skipped };
})()"""


def number(text):
    try:
        return float(str(text).replace(",", "").replace("\u2212", "-"))
    except ValueError:
        return None


def button(label, within="main"):
    """A JS expression: the visible button (or link styled as one) whose
    text or aria-label is label."""
    return f"""[...document.querySelectorAll({js(within + " button, " + within + " a.button")})]
        .find((e) => (e.getAttribute('aria-label') || e.textContent).trim() === {js(label)}
            && e.getClientRects().length > 0)"""


def dialog_button(label):
    return button(label, "dialog[open]")


class Pages:
    def __init__(self, b, url, conf, work):
        self.b = b
        self.url = url
        self.conf = conf
        self.work = work
        # The devices are new, their history empty: a device page's graph
        # and consumption table ask, are told 404 (nothing recorded yet)
        # and say so; answers, not faults.
        self.no_history = tuple((404, f"/api/{kind}/{dev}/{metric}.{ext}")
                                for dev, metric in (("main", "energy_import"), ("brk", "trips"))
                                for kind, ext in (("graph", "svg"), ("consumption", "json")))

    def errors(self, since, allow=()):
        return page_errors(self.b, since, self.no_history + tuple(allow))

    def click(self, target):
        """A click on a CSS selector, or on a JS expression's element when
        target starts with "(" or "["; the run stops if it cannot be done."""
        b = self.b
        done = b.click_on(target) if target[0] in "([" else b.click(target)
        if not done:
            raise Broken(f"nothing to click at {target.strip()[:80]} (hash {b.eval('location.hash')},"
                         f" alert {b.eval(text_of('#alert'))!r})")

    def fill(self, selector, text):
        if not self.b.fill(selector, text):
            raise Broken(f"could not type {text!r} into {selector}")

    def api(self, path):
        """GET /api/PATH with the page's own session: [status, body]."""
        return self.b.eval(f"""fetch('/api/' + {js(path)}, {{ cache: 'no-store' }})
            .then(async (r) => [r.status, await r.json().catch(() => null)])""")

    def conf_entry(self, dev_id):
        """The device group of mews.conf with this id, as text, or None."""
        with open(self.conf) as f:
            text = f.read()
        m = re.search(r'\{[^{}]*\bid\s*=\s*"%s"\s*;[^{}]*\}' % re.escape(dev_id), text)
        return m.group(0) if m else None

    def tab_reaches(self, targets, presses=80):
        """Tab from where the focus is until each target (a JS expression)
        had the focus; the targets never reached."""
        b = self.b
        b.eval("""(() => {
            window.tabbed = [];
            if (!window.tabWatch) {
                window.tabWatch = true;
                document.addEventListener('focusin', (e) => window.tabbed.push(e.target));
            }
            return true;
        })()""")
        check_missing = "[" + ", ".join(targets) + "].map((el, i) => el && window.tabbed.includes(el) ? -1 : i).filter((i) => i >= 0)"
        missing = list(range(len(targets)))
        for _ in range(0, presses, 10):
            for _ in range(10):
                b.key("Tab")
            missing = b.eval(check_missing)
            if not missing:
                break
        return missing

    def audit(self, page, actions, since, allow=()):
        """The checks every page gets: accessibility basics, contrast in
        both schemes, the main actions by Tab, nothing in the console."""
        b = self.b
        b.pump(0.2)
        bad = b.eval(A11Y)
        check(not bad, f"{page}: every input labelled, every button named, images with alt, one h1, a lang",
              "; ".join(bad[:6]))
        results = []
        for scheme in ("light", "dark"):
            b.send("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
            r = b.eval(CONTRAST)
            results.append((scheme, r))
        b.send("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
        low = [f"{s}: {x}" for s, r in results for x in r["bad"]]
        low += [f"{s}: \"{x}\" on an image, contrast unknown" for s, r in results for x in r["skipped"]]
        counted = all(r["checked"] >= 5 for _, r in results)
        check(counted and not low,
              f"{page}: text contrast at least 4.5:1 in the light and the dark scheme "
              f"({results[0][1]['checked']} and {results[1][1]['checked']} texts)",
              "; ".join(low[:6]) if low else "too few texts found: %r" % [(s, r["checked"]) for s, r in results])
        if actions:
            names = [a for a, _ in actions]
            missing = self.tab_reaches([e for _, e in actions])
            check(not missing, f"{page}: Tab reaches " + ", ".join(names),
                  "never focused: " + ", ".join(names[i] for i in missing) + "; focus on " + b.focused())
        b.pump(0.2)
        errs = self.errors(since, allow)
        check(not errs, f"{page}: no console errors or CSP violations", errs)

    def goto_nav(self, href):
        """Follow a link of the site's navigation, as a click."""
        self.click(f'#nav-list a[href="{href}"]')

    def heading(self, hash_prefix, h1_pattern, seconds=20):
        """The view, not only the hash, has changed: the h1 says so."""
        return self.b.wait(f"""(() => {{
            const h = document.querySelector('main h1');
            return location.hash.startsWith({js(hash_prefix)}) && h
                && new RegExp({js(h1_pattern)}).test(h.textContent) ? h.textContent : null;
        }})()""", seconds)

    # --- the unlock page ----------------------------------------------

    def unlock(self):
        b = self.b
        b.send("Page.navigate", {"url": self.url + "/"})
        if not b.wait(exists("#login-form") + " && document.activeElement === document.querySelector('#pin')"):
            raise Broken("no login page: " + str(b.eval("document.body.innerText")))
        # From the browser's start: the page's loading is checked too.
        self.audit("login page", [("the profile", "document.querySelector('input[name=profile]:checked')"),
                                  ("Log in", "document.querySelector('#login-submit')")], (0, 0, 0),
                   ())
        since = mark(b)

        # Three wrong PINs for the installer, each typed and sent with Enter.
        self.click("label[for=profile-installer]")
        said = []
        for left in ("2 attempts left", "1 attempt left", None):
            self.fill("#pin", WRONG_PIN)
            b.key("Enter")
            if left:
                said.append(b.wait(f"""(() => {{
                    const e = document.querySelector('#pin').closest('.field').querySelector('.field-error');
                    return !e.hidden && e.textContent.includes({js(left)})
                        && document.activeElement.id === 'pin' ? e.textContent : null;
                }})()"""))
        locked = b.wait("(() => { const a = document.querySelector('#alert');"
                        " return a && /locked/.test(a.textContent) && a.querySelector('a[href^=\"#/unlock\"]')"
                        " ? a.textContent : null; })()")
        check(all(said) and bool(locked),
              "3 wrong PINs typed on the login page: 2, then 1 attempt left at the PIN field, then locked with a link to unlock",
              "field errors %r, alert %r" % (said, b.eval(text_of("#alert"))))
        # The right PIN no longer opens it.
        refused = b.count("/api/login", 423)
        self.fill("#pin", DEFAULT_PIN)
        b.key("Enter")
        still = b.until(lambda: b.count("/api/login", 423) > refused)
        answer = b.answer("/api/login", 423)
        check(still and answer is not None and not b.eval("document.body.classList.contains('has-session')"),
              "the installer's right PIN is refused while locked (423)",
              "answer %r, alert %r" % (answer, b.eval(text_of("#alert"))))

        # The alert's link, then the PUK: a wrong one first.
        self.click("#alert a[href^='#/unlock']")
        shown = b.wait(exists("#unlock-form") + " && document.querySelector('#unlock-profile').value === 'installer'"
                       " && document.activeElement.id === 'puk'")
        check(bool(shown), "the link opens the unlock page for the installer, the focus at the PUK",
              "hash %s, focus %s" % (b.eval("location.hash"), b.focused()))
        self.audit("unlock page", [("the new PIN", "document.querySelector('#unlock-new-pin')"),
                                   ("Unlock and log in", "document.querySelector('#unlock-submit')")],
                   since, ((401, "/api/login"), (423, "/api/login")))
        since = mark(b)
        self.fill("#puk", WRONG_PUK)
        self.fill("#unlock-new-pin", NEW_PIN)
        self.fill("#unlock-new-pin2", NEW_PIN)
        b.key("Enter")
        wrong = b.wait("""(() => {
            const e = document.querySelector('#puk').closest('.field').querySelector('.field-error');
            return !e.hidden && /^Wrong PUK\.$/.test(e.textContent)
                && document.activeElement.id === 'puk' ? e.textContent : null;
        })()""")
        check(bool(wrong), "a wrong PUK: the page says so at the PUK field, no wait asked yet",
              "alert %r, focus %s" % (b.eval(text_of("#alert")), b.focused()))
        self.fill("#puk", PUK)
        self.click("#unlock-submit")
        # The default PUK went with the default PIN: the new one, shown once.
        made = b.wait("(() => { const e = document.querySelector('#new-puk');"
                      " return e && document.activeElement === document.querySelector('#new-puk-title')"
                      " && document.body.classList.contains('has-session') ? e.textContent : null; })()")
        advice = b.eval(text_of("#new-puk-panel")) or ""
        check(bool(made) and re.fullmatch(r"[0-9]{5} [0-9]{4} [0-9]{5}", made) is not None
              and made != PUK and "Write it down" in advice and "only this once" in advice,
              f"the unlock shows the new PUK mewsd made ({made}), once, with the advice to write it down",
              "panel %r, alert %r, focus %s" % (advice, b.eval(text_of("#alert")), b.focused()))
        if not made:
            raise Broken("no new PUK shown")
        with open(os.path.join(self.work, "puk"), "w") as f:
            f.write(made + "\n")
        self.audit("new PUK", [("I have written it down", "document.querySelector('#puk-done')")],
                   since, ((401, "/api/unlock"),))
        self.click("#puk-done")
        home = b.wait("document.body.classList.contains('has-session') && location.hash === '#/home'"
                      " && /unlocked/.test(document.querySelector('#notice').textContent)"
                      " && !document.querySelector('#pin-banner')")
        status, s = self.api("session")
        check(bool(home) and status == 200 and s.get("profile") == "installer"
              and not s.get("must_change_pin"),
              "the PUK and a new PIN unlock the installer: logged in, home, no PIN banner",
              "hash %s, alert %r, session %r" % (b.eval("location.hash"), b.eval(text_of("#alert")), s))
        errs = self.errors(since, ((401, "/api/unlock"),))
        check(not errs, "the unlock: no console errors or CSP violations", errs)
        if not home:
            raise Broken("not logged in")
        since = mark(b)
        tile = "document.querySelector('main a.tile[href=\"#/bus/rs485\"]')"
        card = "document.querySelector('#dashboard [data-device=main] .card-link')"
        b.wait(f"{tile} && {card} && document.activeElement === document.querySelector('main h1')")
        self.audit("home page", [("the bus's tile", tile), ("main's card", card)], since)

    # --- the device pages ---------------------------------------------

    def device_page(self, dev_id, name):
        b = self.b
        since = mark(b)
        self.click(f"#dashboard [data-device={dev_id}] .card-link")
        name = self.heading(f"#/device/{dev_id}", f"^({dev_id}|{name})$")
        filled = b.wait("""(() => {
            const cells = [...document.querySelectorAll('main td[data-metric]')];
            return cells.length && cells.every((c) => /[0-9]|Open|Closed|Tripped/.test(c.textContent));
        })()""", 20)
        if not (name and filled):
            raise Broken(f"the page of {dev_id} shows no readings: hash {b.eval('location.hash')}")
        return since

    def readings(self):
        """Every reading of main with its unit, as the API has them."""
        b = self.b
        since = self.device_page("main", "Main incomer")
        rows = b.eval("""(() => {
            const out = {};
            for (const td of document.querySelectorAll('main td[data-metric]')) {
                const heads = [...td.closest('table').tHead.rows[0].cells].map((t) => t.textContent);
                const cells = [...td.closest('tr').cells].map((c) => c.textContent);
                out[td.dataset.metric] = Object.fromEntries(heads.slice(0, cells.length).map((h, i) => [h, cells[i]]));
            }
            return out;
        })()""")
        status, dev = self.api("devices/main")
        values = (dev or {}).get("values", {})
        wrong = []
        for metric, v in values.items():
            row = rows.get(metric)
            want = next((u for pat, u in UNITS if re.search(pat, metric)), None)
            if row is None:
                wrong.append(f"{metric}: no row")
            elif want is None:
                wrong.append(f"{metric}: not a canonical metric")
            elif row.get("Unit") != want or (v.get("unit") or "").replace("m3", "m³") != want:
                wrong.append(f"{metric}: unit {row.get('Unit')!r} shown, {v.get('unit')!r} in the API, {want!r} wanted")
            elif number(row.get("Value")) is None:
                wrong.append(f"{metric}: value {row.get('Value')!r}")
        extra = sorted(set(rows) - set(values))
        check(status == 200 and len(values) >= 20 and not wrong and not extra,
              f"the page of main shows all {len(values)} readings of the API, each a number with its unit",
              "; ".join(wrong[:5] + [f"{m}: not in the API" for m in extra[:3]]) or f"{len(values)} values")
        volt = number((rows.get("voltage_l1") or {}).get("Value"))
        check(volt is not None and 100 <= volt <= 300 and rows["voltage_l1"].get("Unit") == "V",
              f"main's voltage_l1 reads {volt} V", repr(rows.get("voltage_l1")))
        self.audit("device page (main)", [("the history's Reading", "document.querySelector('#history-metric')"),
                                          ("Download CSV", button("Download CSV"))], since)

    def breaker(self):
        b = self.b
        self.click("a.brand")
        if not self.heading("#/home", "Home"):
            raise Broken("the brand link does not lead home")
        since = self.device_page("brk", "Breaker")
        state = "(document.querySelector('main .state-line .badge') || {}).textContent"
        command = "/api/devices/brk/command"
        closed = b.wait(f"{state} === 'Closed'")
        check(bool(closed), "the breaker's page says Closed", f"state {b.eval(state)!r}")
        self.audit("device page (brk)", [("Open", button("Open")), ("Close", button("Close")),
                                         ("Reset", button("Reset"))], since)
        since = mark(b)

        # Open, then Cancel: nothing is sent.
        self.click(button("Open"))
        asked = b.wait("""(() => {
            const d = document.querySelector('dialog[open]');
            return d && /Open: Breaker\\?/.test(d.textContent)
                && document.activeElement === [...d.querySelectorAll('button')].find((x) => x.textContent === 'Cancel')
                ? d.textContent : null;
        })()""")
        check(bool(asked), "Open asks first, in a modal dialog whose focus is on Cancel",
              f"focus {b.focused()}")
        self.audit("the Open dialog", [], mark(b))
        missing = self.tab_reaches([dialog_button("Open")], presses=10) if asked else [0]
        check(not missing and b.eval("!!document.querySelector('dialog[open]')"),
              "Tab in the dialog reaches its Open button", f"focus {b.focused()}")
        self.click(dialog_button("Cancel"))
        gone = b.wait("!document.querySelector('dialog') && document.activeElement === " + button("Open"))
        # The API call after it is a barrier: a command sent before would be seen first.
        api_state = self.api("devices/brk")[1]["values"]["state"]["value"]
        check(bool(gone) and b.sent("POST", command) == 0 and api_state == 1 and b.eval(state) == "Closed",
              "Cancel closes the dialog and sends nothing: the breaker stays closed (API state 1)",
              f"dialog gone {gone}, commands sent {b.sent('POST', command)}, API state {api_state}")

        # Open, then confirm: the device switches, the page and the API say so.
        self.click(button("Open"))
        self.click(dialog_button("Open"))
        done = b.wait(f"""(() => {{
            const r = document.querySelector('main .command-result');
            return r && /Open: the device confirmed/.test(r.textContent) && {state} === 'Open' ? r.textContent : null;
        }})()""", 20)
        api_state = self.api("devices/brk")[1]["values"]["state"]["value"]
        check(bool(done) and api_state == 0 and b.sent("POST", command) == 1,
              "Open confirmed: the page says the device confirmed and shows Open; the API's state is 0",
              f"result {b.eval(text_of('main .command-result'))!r}, state {b.eval(state)!r}, API state {api_state}")

        # Close by the keyboard: Escape cancels, Tab then Enter confirms.
        self.click(button("Close"))
        b.wait("!!document.querySelector('dialog[open]')")
        b.key("Escape")
        escaped = b.wait("!document.querySelector('dialog')")
        self.api("devices/brk")
        sent = b.sent("POST", command)
        self.click(button("Close"))
        b.wait("!!document.querySelector('dialog[open]')")
        b.key("Tab")
        on_close = b.eval(f"document.activeElement === {dialog_button('Close')}")
        b.key("Enter")
        back = b.wait(f"{state} === 'Closed' && /Close: the device confirmed/.test({text_of('main .command-result')})", 20)
        api_state = self.api("devices/brk")[1]["values"]["state"]["value"]
        check(bool(escaped) and sent == 1 and on_close and bool(back) and api_state == 1,
              "Close by the keyboard: Escape cancels (nothing sent), Tab and Enter confirm; Closed again, API state 1",
              f"escaped {escaped}, commands {sent}, Tab on Close {on_close}, state {b.eval(state)!r}, API {api_state}")
        errs = self.errors(since)
        check(not errs, "the breaker's control: no console errors or CSP violations", errs)

    # --- the bus page -------------------------------------------------

    def bus(self):
        b = self.b
        since = mark(b)
        self.click("main .facts a[href='#/bus/rs485']")
        if not self.heading("#/bus/rs485", "^Bus rs485$"):
            raise Broken("the bus page does not open")
        lights = "[...document.querySelectorAll('main .light .value')].map((e) => e.textContent)"
        first = b.wait(f"(() => {{ const v = {lights}; return v.length === 2 && v.every((x) => /[0-9]/.test(x)) ? v : null; }})()")
        moved = first and b.wait(f"""(() => {{
            const v = {lights}.map((x) => Number(x.replace(/[^0-9]/g, '')));
            const was = {js(first)}.map((x) => Number(x.replace(/[^0-9]/g, '')));
            return v[0] > was[0] && v[1] > was[1] ? v : null;
        }})()""", 20)
        check(bool(moved), "the bus page's RX and TX byte counts rise (%s -> %s)" % (first, moved),
              f"RX/TX {b.eval(lights)}")
        self.audit("bus page", [("Start scan", button("Start scan")), ("Send", button("Send"))], since)
        since = mark(b)

        # A scan of addresses 1 to 6; none was run before, so none is told of.
        outcome = """[...document.querySelectorAll('main p[role=status]')]
            .map((p) => p.textContent).filter((t) => /Scan/.test(t)).join(' ')"""
        before = b.eval(outcome)
        self.fill("input[name=first]", "1")
        self.fill("input[name=last]", "6")
        # Longer than the server allows per address: refused at the field.
        wait_field = "main form:has(input[name=first]) input[name=timeout_ms]"
        self.fill(wait_field, "6000")
        self.click(button("Start scan"))
        refused = b.wait(f"""(() => {{
            const c = document.querySelector({js(wait_field)});
            const e = c.closest('.field').querySelector('.field-error');
            return !e.hidden && document.activeElement === c ? e.textContent : null;
        }})()""")
        self.api("buses/rs485")
        check(bool(refused) and "5000" in refused and b.sent("POST", "/api/buses/rs485/scan") == 0,
              f"a wait of 6000 ms per address is refused at its field ({refused}), nothing sent",
              f"field error {refused!r}, scans sent {b.sent('POST', '/api/buses/rs485/scan')}")
        self.fill(wait_field, "100")
        self.click(button("Start scan"))
        finished = b.wait(f"(() => {{ const t = {outcome}; return /Scan of addresses 1 to 6 finished/.test(t) ? t : null; }})()", 30)
        rows = b.eval("""[...document.querySelectorAll('main table')].filter((t) => /Devices that answered/.test(t.caption ? t.caption.textContent : ''))
            .flatMap((t) => [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent)))""") or []
        found = {r[0]: r for r in rows}
        good = (before == "" and finished and "4 devices found" in finished and sorted(found) == ["1", "2", "3", "5"]
                and "sdm630" in found["1"][2] and "breaker" in found["5"][2]
                and "Configured as main" in found["1"][3] and "Configured as brk" in found["5"][3]
                and "Add" in found["3"][3] and "sdm120" in found["3"][2])
        check(good, "no scan told of before one ran; a scan of addresses 1 to 6 finds mews-sim's 1, 2, 3 and 5: 3 configured, 3 to add as sdm120",
              f"before {before!r}, outcome {b.eval(outcome)!r}, rows {rows!r}")

        # A raw read: input registers 0 and 1 of the SDM630, its L1 voltage.
        self.fill("input[name=unit]", "1")
        self.click("[...document.querySelectorAll('main label')].find((l) => l.textContent === 'Function')")
        b.type("4")
        fn = b.eval("document.querySelector('select[name=function]').value")
        self.fill("input[name=address]", "0")
        self.fill("input[name=count]", "2")
        self.click(button("Send"))
        answer = b.wait("""(() => {
            const a = document.querySelector('main .answer');
            if (!a || !/Answered/.test(a.textContent)) return null;
            const t = [...a.querySelectorAll('table')].find((x) => /Registers/.test(x.caption.textContent));
            return t ? { hex: a.querySelector('code.hex').textContent,
                regs: [...t.tBodies[0].rows].map((r) => Number(r.cells[1].textContent)) } : null;
        })()""", 20)
        volt = None
        if answer and len(answer["regs"]) == 2:
            volt = struct.unpack(">f", struct.pack(">HH", *answer["regs"]))[0]
        check(fn == "4" and volt is not None and 100 <= volt <= 300,
              "the raw test (function 4 chosen by typing 4) answers: registers 0-1 of unit 1 are "
              f"{volt and round(volt, 1)} V as float32 ({answer and answer['hex']})",
              f"function {fn}, answer {answer!r}, alert {b.eval(text_of('#alert'))!r}")

        # 43: a read code the device knows (1, basic), not a refusal.
        badge = "(document.querySelector('main .answer .badge') || {}).textContent"
        self.click("[...document.querySelectorAll('main label')].find((l) => l.textContent === 'Function')")
        b.type("43")
        fn = b.eval("document.querySelector('select[name=function]').value")
        self.click(button("Send"))
        ident = b.wait(f"""(() => {{
            const a = document.querySelector('main .answer');
            return a && /Device identification/.test(a.textContent)
                ? {{ badge: {badge}, facts: a.querySelector('dl').textContent }} : null;
        }})()""", 20)
        sent = b.answer("/api/buses/rs485/test", 200) or {}
        check(fn == "43" and bool(ident) and "Answered" in ident["badge"] and not sent.get("exception")
              and (sent.get("device_id") or {}).get("read_code") == 1,
              "the raw test's function 43 asks the basic identification (read code 1) and shows it, answered",
              f"function {fn}, shown {ident!r}, API {sent!r}")
        # A register the device refuses: an exception, not a green 'Answered'.
        self.click("[...document.querySelectorAll('main label')].find((l) => l.textContent === 'Function')")
        b.type("3")
        self.fill("input[name=address]", "65000")
        self.fill("input[name=count]", "1")
        self.click(button("Send"))
        refused = b.wait(f"""(() => {{
            const a = document.querySelector('main .answer');
            return a && /Exception/.test(a.textContent) ? {{ badge: {badge},
                bad: a.querySelector('.badge').classList.contains('bad') }} : null;
        }})()""", 20)
        check(bool(refused) and refused["bad"] and "Answered" not in refused["badge"],
              f"an exception reply reads as a refusal, not a green 'Answered' ({refused and refused['badge']})",
              f"answer {b.eval(text_of('main .answer'))!r}")
        errs = self.errors(since)
        check(not errs, "the scan and the test: no console errors or CSP violations", errs)

    # --- the administrator: its own PUK, then the user's --------------

    def administrator(self):
        b = self.b
        since = mark(b)
        self.click("#logout")
        if not b.wait(exists("#login-form") + " && location.hash === '#/login'"):
            raise Broken("no login page after logging out")
        # The login page's unlock link opens on the profile chosen there.
        self.click("label[for=profile-user]")
        self.click("main .auth-more a")
        chosen = b.wait(exists("#unlock-form") + " && location.hash === '#/unlock?profile=user'"
                        " && document.querySelector('#unlock-profile').value === 'user'"
                        " && document.activeElement.id === 'puk'")
        check(bool(chosen), "User chosen on the login page: its unlock link opens the unlock page for the user",
              "hash %s, profile %r" % (b.eval("location.hash"),
                                       b.eval("(document.querySelector('#unlock-profile') || {}).value")))
        self.click("main .auth-more a")
        if not b.wait(exists("#login-form")):
            raise Broken("no way back to the login page")
        self.click("label[for=profile-administrator]")
        self.fill("#pin", "99999")
        b.key("Enter")
        if not b.wait(exists("#pin-banner") + " && document.body.classList.contains('has-session')"):
            raise Broken("the administrator did not log in: " + str(b.eval(text_of("#alert"))))
        self.click("#pin-banner a")
        if not b.wait(exists("#pin-form") + " && " + exists("#first-puk-how-generate:checked")):
            raise Broken("no PIN form offering a new PUK")
        self.click("label[for=first-puk-how-own]")
        shown = b.wait("document.activeElement.id === 'first-puk-own' && !document.querySelector('#first-puk-own').closest('.field').hidden")
        # The footer asks for the status only with a session: no 401.
        self.audit("first PIN change", [("the PUK typed", "document.querySelector('#first-puk-own')"),
                                        ("Change PIN", "document.querySelector('#pin-submit')")], since,
                   ())
        since = mark(b)
        self.fill("#old-pin", "99999")
        self.fill("#new-pin", NEW_PIN)
        self.fill("#new-pin2", NEW_PIN)
        self.fill("#first-puk-own", "2468 1357 9024 68")
        self.click("#pin-submit")
        home = b.wait("location.hash === '#/home' && !document.querySelector('#pin-banner')"
                      " && /PIN and PUK have been changed/.test(document.querySelector('#notice').textContent)")
        status, s = self.api("session")
        check(bool(shown) and bool(home) and not s.get("default_puk") and not b.eval(exists("#new-puk")),
              "the administrator's first PIN change, its own PUK typed: home, no PUK shown back, the default PUK gone",
              "hash %s, alert %r, session %r" % (b.eval("location.hash"), b.eval(text_of("#alert")), s))

        self.goto_nav("#/settings/profiles")
        row = "(name) => [...document.querySelectorAll('main table tbody tr')].find((r) => r.cells[0].textContent === name)"
        puks = b.wait(f"""(() => {{
            const rows = [...document.querySelectorAll('main table tbody tr')];
            return location.hash === '#/settings/profiles' && rows.length === 3
                ? Object.fromEntries(rows.map((r) => [r.cells[0].textContent, r.cells[2].textContent])) : null;
        }})()""")
        check(puks == {"Administrator": "Own PUK", "Installer": "Own PUK", "User": "Default PUK"},
              "the profiles page shows whose PUK is still the default", repr(puks))
        self.click(button("Set the PUK of User"))
        if not b.wait(exists("#set-puk-form") + " && " + exists("#set-puk-how-generate:checked")):
            raise Broken("no form to set the user's PUK")
        self.audit("profiles page, setting a PUK", [("Set PUK", "document.querySelector('#set-puk-submit')")],
                   since)
        since = mark(b)
        self.click("#set-puk-submit")
        made = b.wait("(() => { const e = document.querySelector('main #new-puk');"
                      " return e && document.activeElement.id === 'new-puk-title' ? e.textContent : null; })()")
        check(bool(made) and re.fullmatch(r"[0-9]{5} [0-9]{4} [0-9]{5}", made) is not None
              and made != "00000 1111 00000",
              f"the profiles page has mewsd make the user a PUK and shows it once ({made})",
              "alert %r, focus %s" % (b.eval(text_of("#alert")), b.focused()))
        if not made:
            raise Broken("no PUK shown for the user")
        with open(os.path.join(self.work, "puk.user"), "w") as f:
            f.write(made + "\n")
        self.audit("profiles page, the PUK made", [("I have written it down", "document.querySelector('#puk-done')")],
                   since)
        self.click("#puk-done")
        gone = b.wait(f"!document.querySelector('#new-puk') && ({row})('User')"
                      f" && ({row})('User').cells[2].textContent === 'Own PUK'")
        check(bool(gone), "'I have written it down' takes the PUK off the page; the user has its own PUK now",
              "PUK cells %r" % b.eval("[...document.querySelectorAll('main table tbody tr')].map((r) => r.cells[2].textContent)"))

    # --- the settings pages -------------------------------------------

    def settings(self):
        b = self.b
        since = mark(b)
        self.goto_nav("#/settings/devices")
        if not self.heading("#/settings/devices", "^Devices$") or not b.wait(exists("main table")):
            raise Broken("the devices settings page does not open")
        self.audit("settings page (devices)", [("Add device", button("Add device")),
                                               ("Edit main", button("Edit main"))], since)
        since = mark(b)
        list_ids = "[...document.querySelectorAll('main table tbody tr')].map((r) => r.cells[0].textContent)"
        name_of = "(id) => ([...document.querySelectorAll('main table tbody tr')].find((r) => r.cells[0].textContent === id) || { cells: [0, {}] }).cells[1].textContent"

        # Add: every field typed; a wrong address (the breaker's) first.
        self.click(button("Add device"))
        form = b.wait(exists("main form input[name=id]") + " && document.activeElement.name === 'id'")
        bus = b.eval("(() => { const s = document.querySelector('main select[name=bus]');"
                     " return s && s.selectedIndex >= 0 ? s.options[s.selectedIndex].text : null; })()")
        check(bool(form) and bus == "rs485", "Add device opens the form, the focus in its first field, the bus rs485 chosen",
              f"focus {b.focused()}, bus {bus!r}")
        self.audit("settings page (device form)", [("Save", button("Save"))], mark(b))
        self.fill("input[name=id]", "sub3")
        self.fill("input[name=name]", "Sub-meter 3")
        self.fill("input[name=address]", "5")
        self.click("label[for='" + b.eval("document.querySelector('select[name=profile]').id") + "']")
        b.type("sdm120")
        profile = b.eval("document.querySelector('select[name=profile]').value")
        self.click(button("Save"))
        err_at = """(() => {
            const c = document.querySelector('input[name=address]');
            const e = c.closest('.field').querySelector('.field-error');
            return !e.hidden && e.textContent && c.getAttribute('aria-invalid') === 'true'
                && document.activeElement === c ? e.textContent : null;
        })()"""
        shown = b.wait(err_at)
        said = b.answer("/api/devices", 400) or {}
        others = b.eval("[...document.querySelectorAll('.field-error:not([hidden])')].length")
        # Lines of the temporary file the server checked mean nothing here.
        check(profile == "sdm120" and bool(shown) and said.get("field") == "address"
              and "brk" in shown and not re.search(r"line [0-9]", shown)
              and shown == said.get("error") and others == 1 and b.eval("document.querySelector('#alert-box').hidden"),
              f"address 5 (the breaker's): the server's error shows at the address field, focused, and nowhere else ({shown})",
              f"profile {profile!r}, field error {shown!r}, server {said!r}, {others} errors shown")
        check(self.conf_entry("sub3") is None, "the refused device is not in mews.conf")

        self.fill("input[name=address]", "3")
        self.click(button("Save"))
        added = b.wait(f"!document.querySelector('main form') && {list_ids}.includes('sub3')"
                       f" && ({name_of})('sub3') === 'Sub-meter 3'")
        entry = self.conf_entry("sub3") or ""
        in_conf = all(s in entry for s in ('name = "Sub-meter 3"', 'bus = "rs485"', "address = 3",
                                           'profile = "sdm120"'))
        check(bool(added) and in_conf, "address 3 saves: sub3 is in the list and in mews.conf",
              f"list {b.eval(list_ids)}, mews.conf {entry!r}, alert {b.eval(text_of('#alert'))!r}")
        online = b.wait("fetch('/api/devices/sub3', { cache: 'no-store' }).then((r) => r.json()).then((d) => d.online"
                        " && d.values?.voltage_l1?.value > 100)", 20)
        check(bool(online), "the new device is polled at once: sub3 online with its voltage")

        # Change: the name and the poll interval.
        self.click(button("Edit sub3"))
        editing = b.wait("(() => { const i = document.querySelector('main form input[name=id]');"
                         " return i && i.readOnly && i.value === 'sub3'; })()")
        self.fill("input[name=name]", "Sub-meter three")
        self.fill("input[name=poll_ms]", "2000")
        self.click(button("Save"))
        changed = b.wait(f"!document.querySelector('main form') && ({name_of})('sub3') === 'Sub-meter three'")
        entry = self.conf_entry("sub3") or ""
        listed = b.eval(f"({name_of})('sub3')")
        check(bool(editing) and bool(changed) and 'name = "Sub-meter three"' in entry and "poll_ms = 2000" in entry,
              "Edit sub3: the id read-only, the new name in the list, name and poll_ms in mews.conf",
              f"editing {editing}, list name {listed!r}, mews.conf {entry!r}")

        # Remove, through its confirmation.
        self.click(button("Delete sub3"))
        asked = b.wait("(() => { const d = document.querySelector('dialog[open]');"
                       " return d && /Delete device sub3\\?/.test(d.textContent); })()")
        self.click(dialog_button("Delete"))
        removed = b.wait(f"!document.querySelector('dialog') && !{list_ids}.includes('sub3') && {list_ids}.includes('main')")
        gone = self.api("devices/sub3")[0]
        check(bool(asked) and bool(removed) and self.conf_entry("sub3") is None and gone == 404,
              "Delete sub3, confirmed: gone from the list, from mews.conf and from the API (404)",
              f"asked {asked}, list {b.eval(list_ids)}, API {gone}")
        errs = self.errors(since, ((400, "/api/devices"), (404, "/api/devices/sub3")))
        check(not errs, "the device settings: no console errors or CSP violations", errs)

        # The buses' settings page, for the checks every page gets.
        since = mark(b)
        self.goto_nav("#/settings/buses")
        if not self.heading("#/settings/buses", "^Buses$") or not b.wait(exists("main table")):
            raise Broken("the buses settings page does not open")
        self.audit("settings page (buses)", [("Add bus", button("Add bus")),
                                             ("Edit rs485", button("Edit rs485"))], since)

    # --- the system settings: files on the box shown, not edited -------

    def system(self):
        """The certificate and key are read-only on the page (set in
        mews.conf only); saving the form, which sends its sections back
        whole, still changes what was changed and adds no path."""
        b = self.b
        since = mark(b)
        self.goto_nav("#/settings/system")
        if not self.heading("#/settings/system", "^System$") or \
                not b.wait(exists("main input[name='modbus_tcp.max_clients']")):
            raise Broken("the system settings page does not open")
        fixed = b.eval("['state_dir', 'http.cert', 'http.key'].map((n) => {"
                       " const i = n === 'state_dir' ? document.querySelector('#state-dir')"
                       " : document.querySelector(`main input[name='${n}']`); return i && i.readOnly; })")
        self.audit("system settings page", [("Save", button("Save"))], since)
        since = mark(b)
        self.fill("input[name='modbus_tcp.max_clients']", "20")
        self.click(button("Save"))
        saved = b.wait("/Saved/.test(document.querySelector('#notice').textContent)")
        said = b.answer("/api/system", 200) or {}
        with open(self.conf) as f:
            text = f.read()
        paths = re.findall(r"^\s*(?:www|cert|key)\s*=.*$", text, re.M)
        check(fixed == [True, True, True] and bool(saved) and said.get("modbus_tcp", {}).get("max_clients") == 20
              and "max_clients = 20;" in text and not paths,
              "the system page: state folder, certificate and key read-only; Save changes Most clients and "
              "writes no path to mews.conf",
              f"read-only {fixed}, saved {saved}, answer {said.get('modbus_tcp')!r}, paths {paths}, "
              f"alert {b.eval(text_of('#alert'))!r}")
        errs = self.errors(since)
        check(not errs, "the system settings: no console errors or CSP violations", errs)

    # --- what users reported (issue 18, item 3) ------------------------

    def reported(self):
        b = self.b
        since = mark(b)
        # The administrator's 14 menu entries, in one row at 1366 px.
        b.viewport(1366, 768, 1, False)
        b.wait("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(innerWidth))))")
        tops = b.eval("[...document.querySelectorAll('#nav-list a')].map((a) => a.getBoundingClientRect().top)")
        check(len(tops) == 14 and len(set(tops)) == 1, f"at 1366 px the administrator's {len(tops)} menu entries fit one row",
              f"tops {tops}")
        b.viewport(1280, 900, 1, False)

        status, st = self.api("status")
        shown = b.eval("""(() => {
            const dt = [...document.querySelectorAll('main dt')].find((d) => d.textContent === 'HTTP requests');
            return dt ? dt.nextElementSibling.textContent : null;
        })()""")
        check(number(shown) is not None and number(shown) > 0 and "requests" in st.get("counters", {}).get("http", {}),
              f"the system page shows the API's counters.http.requests ({shown})", f"shown {shown!r}")

        # The system page saved above: its event, at a local time, in words.
        self.goto_nav("#/events")
        first = b.wait("""(() => {
            const rows = [...document.querySelectorAll('main table tbody tr')];
            const r = rows.find((x) => x.cells[1].textContent === 'config_changed');
            return location.hash === '#/events' && r ? { time: r.cells[0].textContent, iso: r.cells[0].querySelector('time')?.dateTime,
                detail: r.cells[5].textContent, raw: r.cells[5].firstChild.title,
                times: rows.map((x) => x.cells[0].textContent) } : null;
        })()""")
        iso = [t for t in (first or {}).get("times", []) if re.search(r"[0-9]T[0-9]", t)]
        check(bool(first) and not iso and re.search(r"[0-9]{2}:[0-9]{2}:[0-9]{2}", first["time"])
              and first["detail"] == "changed the system settings" and first["raw"].startswith("PUT /api/system: "),
              f"the event log shows local times ({first and first['time']}) and the change in words, the request as its title",
              f"{first!r}, ISO times {iso[:2]}")
        self.audit("event log", [("Show", button("Show"))], since)
        since = mark(b)

        # A group of main and sub: its power with its unit, on both pages.
        added = b.eval("""fetch('/api/groups', { method: 'POST', headers: { 'Content-Type': 'application/json',
            'X-Requested-With': 'mews' }, body: JSON.stringify({ id: 'panel', name: 'Panel A', devices: ['main', 'sub'] }) })
            .then((r) => r.status)""")
        self.goto_nav("#/groups")
        power = b.wait("""(() => { const s = document.querySelector('main .group-tree .num');
            return location.hash === '#/groups' && s && /[0-9]/.test(s.textContent) ? s.textContent : null; })()""")
        self.click("main .group-tree a")
        group = b.wait("""(() => {
            const dd = [...document.querySelectorAll('main dt')].map((d) => [d.textContent, d.nextElementSibling.textContent]);
            const members = [...document.querySelectorAll('main section')].find((s) => s.querySelector('h2')?.textContent === 'Devices');
            const rows = members ? [...members.querySelectorAll('tbody tr')].map((r) => r.cells[2].textContent) : [];
            return location.hash === '#/group/panel' && dd.length && rows.length === 2
                && rows.every((x) => /[0-9]/.test(x)) ? { dd: Object.fromEntries(dd), rows } : null;
        })()""")
        sums = (group or {}).get("dd", {})
        check(added == 201 and bool(power) and power.endswith(" W") and bool(group)
              and sums.get("Active power", "").strip().endswith(" W") and sums.get("Current L1", "").strip().endswith(" A")
              and all(x.endswith(" W") for x in group["rows"]),
              f"the groups pages show values with their units ({power}; {sums.get('Current L1')})",
              f"POST {added}, list {power!r}, group {group!r}")
        self.audit("group page", [("Download CSV", button("Download CSV"))], since)
        since = mark(b)

        # A new report cannot be tested yet: the page says why.
        self.goto_nav("#/settings/reports")
        if not self.heading("#/settings/reports", "^Reports$") or not b.wait(f"!!{button('Add a report')}"):
            raise Broken("the reports page does not open")
        self.click(button("Add a report"))
        why = b.wait("""(() => {
            const t = [...document.querySelectorAll('main button')].find((x) => x.textContent === 'Send a test report now');
            const w = t && document.getElementById(t.getAttribute('aria-describedby'));
            return t && t.disabled && w && w.textContent && w.getClientRects().length ? w.textContent : null;
        })()""")
        check(bool(why) and "Save" in why, f"a greyed test button says why next to it ({why})")
        self.audit("reports page", [("Save", button("Save"))], since)
        since = mark(b)

        # The profiles page on a phone: no stray "null"; its table scrolls in
        # its frame, saying so, the row buttons in view.
        self.goto_nav("#/settings/profiles")
        b.wait(exists("main table"))
        nulls = b.eval("document.body.innerText.split(/\\s+/).filter((w) => w === 'null').length")
        check(nulls == 0, "the profiles page prints no literal null", f"{nulls} found")
        b.viewport(390, 844, 3, True)
        phone = b.wait("""(() => {
            const w = document.querySelector('main .table-wrap');
            const hint = w && w.querySelector('.table-hint');
            const buttons = [...w.querySelectorAll('tbody button')].map((x) => x.getBoundingClientRect());
            return w && w.classList.contains('overflows') && hint.getClientRects().length ? {
                wide: w.scrollWidth > w.clientWidth, hint: hint.textContent,
                reachable: buttons.length === 6 && buttons.every((r) => r.left >= 0 && r.right <= innerWidth),
                page: document.documentElement.scrollWidth <= innerWidth } : null;
        })()""", 5)
        check(bool(phone) and phone["wide"] and phone["reachable"] and phone["page"],
              f"on a phone the profiles table scrolls in its frame with a hint ({phone and phone['hint']}),"
              " Set PIN and Set PUK in view, the page itself not wider than the screen", repr(phone))
        self.audit("profiles page on a phone", [("Set the PIN of User", button("Set the PIN of User"))], since)
        b.viewport(1280, 900, 1, False)


def run(b, argv):
    url, work, conf = argv[0], argv[4], argv[5]
    t0 = time.monotonic()
    b.open_page()
    b.viewport(1280, 900, 1, False)
    p = Pages(b, url, conf, work)
    p.unlock()
    p.readings()
    p.breaker()
    p.bus()
    p.settings()
    p.administrator()
    p.system()
    p.reported()
    print(f"the pages took {time.monotonic() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    drive(run, 75)
