#!/bin/sh
# The installer's pages in a real browser, used with the mouse and the
# keyboard: a profile locked by wrong PINs unlocked with its PUK (the new
# PUK mewsd then makes, shown on the page, tried here afterwards), a
# device's readings and its breaker's control, a bus's counters, scan and
# raw test, a device added, changed and removed in the settings, the
# administrator's first PIN change and a PUK made for the user on the
# profiles page (tried here too), and on every page the basics of
# accessibility and no console errors.
# web_pages.py drives headless Chromium (devtools.py) and prints PASS/FAIL
# lines, turned into TAP here.
. "$(dirname "$0")/browser_lib.sh"

# An SDM120 at address 3 that the configuration lacks: the scan finds it
# and the settings page adds it.
write_conf
start_sim --device 3:sdm120 || { not_ok "the simulator starts"; done_testing; }
start_mewsd || { not_ok "mewsd serves HTTPS"; sed 's/^/# /' "$LOG"; done_testing; }

run_driver 75 web_pages.py "$CONF"
shown_puk_unlocks installer "00000 5555 00000"
shown_puk_unlocks user "00000 1111 00000" puk.user
stop_mewsd
done_testing
