#!/bin/sh
# kill -9 while the pages save the configuration (issue 8): whenever mewsd
# dies, mews.conf is one whole version, old or new, that `mewsd -t`
# accepts, and no temporary file is mistaken for it.
. "$(dirname "$0")/web_lib.sh"

web_up
check "the installer is commissioned" commission installer 55555 24680

bad=0
rounds=0
landed=0
for round in 1 2 3 4 5 6; do
	rounds=$round
	# A burst of saves, and a kill somewhere in the middle of them.
	i=0
	savers=""
	while [ "$i" -lt 20 ]; do
		call PUT /api/devices/sub "{\"name\":\"Lighting $round.$i\"}" \
		    2>/dev/null &
		savers="$savers $!"
		i=$((i + 1))
	done
	# Kill as soon as the first save of the burst has landed, so that the
	# kill falls among the others still in flight however slow the machine
	# is (a fixed delay killed before any save on a loaded CI machine).
	waited=0
	while ! grep -q "name = \"Lighting $round\." "$CONF" &&
	    [ "$waited" -lt 1000 ]; do
		sleep 0.01
		waited=$((waited + 1))
	done
	grep -q "name = \"Lighting $round\." "$CONF" && landed=$((landed + 1))
	kill -9 "$MEWSD_PID"
	wait "$MEWSD_PID" 2>/dev/null
	for pid in $savers; do wait "$pid"; done
	if ! "$MEWSD" -t -c "$CONF" >"$TMP/t.out" 2>&1; then
		bad=$((bad + 1))
		diag "round $round: $(cat "$TMP/t.out")"
	fi
	if ! grep -q 'name = "Lighting' "$CONF" &&
	    ! grep -q 'name = "Lighting";' "$CONF"; then
		bad=$((bad + 1))
		diag "round $round: the device's entry is gone"
	fi
	start_mewsd || { bad=$((bad + 1)); diag "round $round: no restart"; break; }
	login installer 24680 || { bad=$((bad + 1)); diag "round $round: \
login after the restart: HTTP $STATUS $BODY"; break; }
done
check "after $rounds kills during saves mews.conf is whole and valid" [ "$bad" = 0 ]
# The temporary files of interrupted saves never replace the real one; they
# are left beside it, named after it.
check "mews.conf.bak is whole and valid too" \
    sh -c "'$MEWSD' -t -c '$CONF.bak' >/dev/null"
saved=$(grep -o 'name = "Lighting [0-9.]*"' "$CONF" | head -n 1)
diag "the last save that landed: $saved"
check "a save landed before each kill ($landed of $rounds)" \
    [ "$landed" = "$rounds" -a -n "$saved" ]
call GET /api/devices/sub
check "the restarted daemon serves the saved device" \
    [ "$(json .config.profile)" = sdm120 ]
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
