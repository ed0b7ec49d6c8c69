#!/bin/sh
# The pages in a real browser: headless Chromium logs in as the installer,
# changes the default PIN (and is shown the new PUK that replaces the
# default one, tried here afterwards), opens the dashboard, sees mews-sim's
# values move, saves screenshots on a desktop and a phone viewport, logs
# out, and on a breaker's page finds the buttons and state names its
# module gives (the API's controls and states) and closes it.
# web_browser.py drives Chromium over the DevTools pipe (no npm) and prints
# PASS/FAIL lines, turned into TAP here.
. "$(dirname "$0")/browser_lib.sh"
rm -f "$SHOTS/dashboard-desktop.png" "$SHOTS/dashboard-phone.png"

# A tariff on main, for the tariffs page, and an alarm the simulated
# voltage (near 230 V) raises, for the header's badge.
write_conf "" "$(/usr/bin/python3 "$top_srcdir/test/integration/tariffs.py" conf)
alarms = ( { id = \"overvoltage\"; device = \"main\";
	metric = \"voltage_l1\"; above = 200.0; } );"
sed -i 's|profile = "sdm630";|& tariffs = [ "day-night" ];|' "$CONF"
start_sim || { not_ok "the simulator starts"; done_testing; }
start_mewsd || { not_ok "mewsd serves HTTPS"; sed 's/^/# /' "$LOG"; done_testing; }

run_driver 45 web_browser.py
shown_puk_unlocks installer "00000 5555 00000"
stop_mewsd
done_testing
