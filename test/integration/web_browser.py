#!/usr/bin/python3
"""Drive headless Chromium through the pages of a running mewsd (issue:
"a headless Chromium test that logs in, changes the default PIN, opens the
dashboard, sees live values from mews-sim update, and saves screenshots of
the dashboard on a desktop and a phone viewport").

The first PIN change also replaces the default PUK: the page shows the
PUK mewsd made, once, with the advice to write it down; it is kept in
WORK_DIR/puk for web_browser.sh to try against the daemon.

The browser is driven by devtools.py (no npm, the DevTools pipe).

usage: web_browser.py URL CERT_PEM SCREENSHOT_DIR CHROMIUM_LOG WORK_DIR
"""

import os
import re
import time

from devtools import Broken, check, drive, exists, js, mark, page_errors, text_of

INSTALLER_PIN = "55555"
NEW_PIN = "24680"


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


# Not logged in yet, or logged out: the app asks nothing, the server's
# readable mews_in cookie saying there is no session to ask for.
GUEST_401 = ()


def run(b, argv):
    url, _cert, shots, _log, work = argv[:5]
    os.makedirs(shots, exist_ok=True)
    b.open_page()
    b.viewport(1280, 800, 1, False)

    # 1. The login page, and nothing the page complained about.
    b.send("Page.navigate", {"url": url + "/"})
    loaded = b.wait(exists("#login-form") + " && " + exists("#profile-installer")
                    + " && " + exists("#pin") + " && " + exists("#login-submit"))
    b.pump(0.5)	# late console messages and the status request
    errs = page_errors(b, (0, 0, 0), GUEST_401)
    check(loaded and not errs,
          "the login page loads with no console errors or CSP violations",
          "login form not shown" if not loaded else errs)
    if not loaded:
        raise Broken("no login page: " + str(b.eval("document.body.innerText")))
    since = mark(b)

    # 2. The installer with its delivery PIN: the banner asks for a new one.
    b.click("label[for=profile-installer]")
    b.fill("#pin", INSTALLER_PIN)
    b.click("#login-submit")
    banner = b.wait(exists("#pin-banner") + " && document.body.classList.contains('has-session')")
    check(bool(banner), "installer logs in with 55555 and sees #pin-banner",
          "alert: %r, hash %s" % (b.eval(text_of("#alert")), b.eval("location.hash")))

    # 3. The change-PIN form, reached from the banner's link.
    if banner:
        b.click("#pin-banner a")
    else:
        b.eval("location.hash = '#/pin', true")
    # The seed's PUK is as public as its PIN: the form replaces it too,
    # with one mewsd makes unless the person types their own.
    form = b.wait(exists("#pin-form") + " && " + exists("#first-puk-how-generate:checked"))
    if form:
        b.fill("#old-pin", INSTALLER_PIN)
        b.fill("#new-pin", NEW_PIN)
        b.fill("#new-pin2", NEW_PIN)
        b.click("#pin-submit")
    made = form and b.wait("(() => { const e = document.querySelector('#new-puk');"
                           " return e && !document.querySelector('#pin-banner')"
                           " && !document.querySelector('#pin-form') ? e.textContent : null; })()")
    advice = b.eval(text_of("#new-puk-panel")) or ""
    check(bool(made) and re.fullmatch(r"[0-9]{5} [0-9]{4} [0-9]{5}", made) is not None
          and made != "00000 5555 00000" and "Write it down" in advice and "only this once" in advice,
          f"changing the PIN to {NEW_PIN} through #pin-form removes the banner and shows the new PUK"
          f" ({made}) once, with the advice to write it down",
          "no #pin-form with the PUK choice" if not form else
          "panel %r, alert: %r, field errors: %r" % (advice, b.eval(text_of("#alert")), b.eval(
              "[...document.querySelectorAll('.field-error:not([hidden])')].map(e => e.textContent).join('; ')")))
    if made:
        with open(os.path.join(work, "puk"), "w") as f:
            f.write(made + "\n")
        b.click("#puk-done")
    home = made and b.wait("location.hash === '#/home' && !(" + exists("#new-puk") + ")"
                           " && /PIN and PUK have been changed/.test(document.querySelector('#notice').textContent)")
    check(bool(home), "'I have written it down' leads home, the PUK no longer on the page",
          "hash %s, notice %r" % (b.eval("location.hash"), b.eval(text_of("#notice"))))

    # 4. The dashboard, with the SDM630's L1 voltage from mews-sim.
    b.click('#nav-list a[href="#/dashboard"]')
    volt_sel = "#dashboard [data-device=main] [data-metric=voltage_l1]"
    volt = b.wait(f"""(() => {{
        // The hash changes before the view does: the home page has cards too.
        const h = document.querySelector('main h1');
        if (location.hash !== '#/dashboard' || !h || h.textContent !== 'Dashboard') return null;
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
        path = os.path.join(shots, f"dashboard-{name}.png")
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
        b.click("#menu-button")
    usable = b.wait("document.querySelector('#logout').offsetParent !== null", 3)
    if usable:
        b.click("#logout")
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
        b.click("label[for=profile-installer]")
        # Enter in a radio group would not submit: the PIN field has focus.
        b.fill("#pin", NEW_PIN)
        b.key("Enter")
    home = ready and b.wait("document.body.classList.contains('has-session') && "
                            "location.hash === '#/home' && !(" + exists("#pin-banner") + ")")
    check(bool(home), "Enter in the PIN field submits the login form (new PIN, no banner)",
          "hash %s, alert %r" % (b.eval("location.hash"), b.eval(text_of("#alert"))))

    # 9. The tariffs, read-only for the installer: no add button.
    b.click('#nav-list a[href="#/tariffs"]')
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
        b.click("#alarm-badge")
    ack_sel = "button[aria-label='Acknowledge overvoltage']"
    shown = badge and b.wait(exists(ack_sel) + " && location.hash === '#/alarms'")
    if shown:
        b.click(ack_sel)
    acked = shown and b.wait("(() => { const a = document.querySelector('#alarm-badge');"
                             " return a.hidden && /Acknowledged/.test(document.querySelector('main').textContent)"
                             " && !document.querySelector(" + js(ack_sel) + "); })()", 8)
    check(bool(acked), "#/alarms acknowledges it: the badge goes, the alarm reads Acknowledged",
          "hash %s, alert %r" % (b.eval("location.hash"), b.eval(text_of("#alert"))))

    # A rule on the breaker: its value named as the breaker's page names
    # its states (the API's states), not a raw 0, 1 or 2.
    added = b.eval("""fetch('/api/alarms', { method: 'POST', headers: { 'Content-Type': 'application/json',
        'X-Requested-With': 'mews' }, body: JSON.stringify({ id: 'brktrip', device: 'brk', tripped: true }) })
        .then((r) => r.status)""")
    b.send("Page.reload", {})
    # A rule just added has no value until its first check (a second).
    now = b.wait("""(() => {
        const r = [...document.querySelectorAll('main table tbody tr')].find((x) => x.cells[0].textContent === 'brktrip');
        return location.hash === '#/alarms' && r && r.cells[4].textContent !== '–' ? r.cells[4].textContent : null;
    })()""")
    check(added == 201 and now in ("Open", "Closed", "Tripped"),
          f"#/alarms names the breaker's state as its page does ({now})", f"POST {added}, shown {now!r}")

    # And through all of it: nothing logged an error.
    b.pump(0.3)
    # /api/status answers 401 without a session (after the logout): the
    # footer then stays empty, as shell.js intends.
    errs = page_errors(b, since, GUEST_401)
    check(not errs, "no console errors, CSP violations or failed requests after login", errs)

    # 11. A breaker's page: its buttons, their confirmation and its state
    # badge come from what its module says (the API's controls and states).
    # Its trip counter may have no archive yet (history writes a minute
    # after the start): the page then says so, from the API's 404.
    since = mark(b)
    b.send("Page.navigate", {"url": url + "/#/device/brk"})
    buttons = b.wait("""(() => {
        const bs = [...document.querySelectorAll('#main .actions button')];
        return bs.length ? bs.map(e => [e.textContent, e.classList.contains('danger')]) : null;
    })()""")
    state = b.eval(text_of("#main .state-line"))
    check(buttons == [["Open", True], ["Close", False], ["Reset", False]]
          and bool(state) and re.search(r"State: (Open|Closed|Tripped)", state),
          "#/device/brk: Open (dangerous), Close and Reset, and its state named",
          "buttons %r, state %r" % (buttons, state))
    if buttons:
        b.click("#main .actions button:nth-child(2)")
    asked = buttons and b.wait("""(() => {
        const d = document.querySelector('dialog[open]');
        return d ? d.textContent : null;
    })()""", 5)
    if asked:
        b.click("dialog[open] .actions button.primary")
    done = asked and b.wait("""(() => {
        const r = document.querySelector('#main .command-result');
        return r && /confirmed/.test(r.textContent) ? r.textContent : null;
    })()""", 10)
    check(bool(asked) and "The breaker closes" in asked and bool(done),
          "Close asks first, with the module's words, then the device confirms",
          "dialog %r, result %r" % (asked, b.eval(text_of("#main .command-result"))))

    b.pump(0.5)
    early = ((404, "/api/graph/brk/trips.svg"),
             (404, "/api/consumption/brk/trips.json"))
    said = b.eval("document.querySelector('#main').textContent")
    errs = page_errors(b, since, GUEST_401 + early)
    check(not errs and (not page_errors(b, since, GUEST_401)
                        or "No graph yet" in (said or "")),
          "no errors on the breaker's page (a history not written yet is said so)",
          errs or said)


if __name__ == "__main__":
    drive(run)
