#!/bin/sh
# mews-sim on a pseudo-terminal, read by Debian's mbpoll (libmodbus's RTU
# master): plausible values per profile, rising energy, dead and unknown
# addresses, exceptions, fault injection, the link's life.
. "$(dirname "$0")/lib.sh"

have mbpoll || need "no mbpoll" mbpoll
[ -x "$MEWS_SIM" ] || bail_out "$MEWS_SIM is not built"

BUS=$TMP/bus

# start_sim NAME ARGS...: a simulator whose ready line is awaited.
start_sim() {
	local name=$1; shift
	spawn "$MEWS_SIM" --profile-dir "$PROFILES" "$@" \
	    >"$TMP/$name.out" 2>"$TMP/$name.err"
	wait_for 5 grep -q "ready on" "$TMP/$name.out"
}

# poll PATH ADDR TYPE REF COUNT [-B]: "REF VALUE" lines in $TMP/poll,
# mbpoll's errors in $TMP/poll.err; mbpoll's exit status.
poll() {
	local path=$1 addr=$2 type=$3 ref=$4 count=$5 rc; shift 5
	mbpoll -m rtu -b 19200 -P none -0 -1 -o 0.5 -a "$addr" -t "$type" \
	    -r "$ref" -c "$count" "$@" "$path" >"$TMP/poll.raw" \
	    2>"$TMP/poll.err"
	rc=$?
	sed -n 's/^\[\([0-9]*\)\]:[[:space:]]*\([^[:space:]]*\).*/\1 \2/p' \
	    "$TMP/poll.raw" >"$TMP/poll"
	return $rc
}

# val REF: the value read at REF by the last poll.
val() { awk -v r="$1" '$1 == r { print $2; exit }' "$TMP/poll"; }

# in_range VALUE LO HI
in_range() {
	awk -v v="$1" -v lo="$2" -v hi="$3" \
	    'BEGIN { exit !(v ~ /^-?[0-9.e+-]+$/ && v + 0 >= lo && v + 0 <= hi) }'
}

# near A B TOLERANCE: |A - B| <= TOLERANCE * |B|
near() {
	awk -v a="$1" -v b="$2" -v t="$3" \
	    'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b;
	             exit !(a != "" && b != "" && d <= t * m) }'
}

if start_sim sim --pty "$BUS" --seed 1 -v --device 1:sdm630 \
    --device 2:sdm120 --device 3:em24 --device 4:sdm120 --dead 4; then
	ok "mews-sim is ready on $BUS"
else
	not_ok "mews-sim is ready on $BUS"
	sed 's/^/# /' "$TMP/sim.err"
	done_testing
fi
SIM=$LAST_PID
check "$BUS links to a character device" test -c "$BUS"

# SDM630 at 1: float32, high word first, input registers.
poll "$BUS" 1 3:float 0 9 -B
check "sdm630: mbpoll reads voltages, currents, powers" \
    test "$(wc -l <"$TMP/poll")" -eq 9
check "sdm630: voltage_l1 $(val 0) V in 200..260" in_range "$(val 0)" 200 260
check "sdm630: voltage_l2 $(val 2) V in 200..260" in_range "$(val 2)" 200 260
check "sdm630: voltage_l3 $(val 4) V in 200..260" in_range "$(val 4)" 200 260
check "sdm630: current_l1 $(val 6) A in 0.1..100" in_range "$(val 6)" 0.1 100
V1=$(val 0) I1=$(val 6) P1=$(val 12)
check "sdm630: power_l1 $P1 W is V*I*PF (PF 0.9..1)" awk -v v="$V1" \
    -v i="$I1" -v p="$P1" 'BEGIN { pf = p / (v * i); exit !(pf >= 0.899 && pf <= 1.001) }'
poll "$BUS" 1 3:float 0x46 1 -B
check "sdm630: frequency $(val 70) Hz in 49..51" in_range "$(val 70)" 49 51
poll "$BUS" 1 3:float 0xC8 3 -B
check "sdm630: voltage_l12 $(val 200) V in 370..430" \
    in_range "$(val 200)" 370 430
poll "$BUS" 1 3:float 0x3E 1 -B
check "sdm630: power_factor $(val 62) in 0.9..1" in_range "$(val 62)" 0.9 1
poll "$BUS" 1 3:float 0xEA 1 -B
check "sdm630: thd_voltage_l1 $(val 234) % in 0.5..10" \
    in_range "$(val 234)" 0.5 10

# SDM120 at 2: one phase, P = V * I * PF.
poll "$BUS" 2 3:float 0 16 -B
V=$(val 0) I=$(val 6) P=$(val 12) PF=$(val 30)
check "sdm120: voltage_l1 $V V in 200..260" in_range "$V" 200 260
check "sdm120: power $P W is V*I*PF ($V*$I*$PF)" \
    near "$P" "$(awk -v v="$V" -v i="$I" -v f="$PF" 'BEGIN { print v * i * f }')" 0.01
poll "$BUS" 2 3:float 0x46 2 -B
check "sdm120: frequency $(val 70) Hz in 49..51" in_range "$(val 70)" 49 51
E1=$(val 72)
check "sdm120: energy_import $E1 kWh is a plausible counter" \
    in_range "$E1" 100 1000000
sleep 1.1
poll "$BUS" 2 3:float 0x48 1 -B
E2=$(val 72)
check "sdm120: energy_import rises or stays ($E1 -> $E2)" \
    awk -v a="$E1" -v b="$E2" 'BEGIN { exit !(a != "" && b + 0 >= a + 0) }'

# EM24 at 3: int32 low word first (mbpoll's default order), scale 0.1.
poll "$BUS" 3 3:int 0 6
check "em24: voltage_l1 $(val 0) (0.1 V) in 2000..2600" \
    in_range "$(val 0)" 2000 2600
check "em24: voltage_l12 $(val 6) (0.1 V) in 3700..4300" \
    in_range "$(val 6)" 3700 4300
poll "$BUS" 3 3 0x37 1
check "em24: frequency $(val 55) (0.1 Hz) in 490..510" \
    in_range "$(val 55)" 490 510
poll "$BUS" 3 3:int 0x3E 1
E1=$(val 62)
check "em24: energy_import $E1 (0.1 kWh) is a plausible counter" \
    in_range "$E1" 1000 10000000
poll "$BUS" 3 3:int 0x3E 1
check "em24: energy_import rises or stays ($E1 -> $(val 62))" \
    awk -v a="$E1" -v b="$(val 62)" 'BEGIN { exit !(a != "" && b + 0 >= a + 0) }'

# Registers outside a device's map: libmodbus's exception.
if poll "$BUS" 1 4 0 2; then
	not_ok "sdm630: holding registers are an illegal data address"
else
	check "sdm630: holding registers are an illegal data address" \
	    grep -q "Illegal data address" "$TMP/poll.err"
fi

# Addresses nobody answers: a timeout, and the bus still works after.
if poll "$BUS" 4 3:float 0 1 -B; then
	not_ok "--dead 4: address 4 does not answer"
else
	check "--dead 4: address 4 does not answer" \
	    grep -q "timed out" "$TMP/poll.err"
fi
poll "$BUS" 2 3:float 0 1 -B
check "address 2 answers right after the dead one" \
    in_range "$(val 0)" 200 260
if poll "$BUS" 9 3:float 0 1 -B; then
	not_ok "address 9 (not simulated) does not answer"
else
	check "address 9 (not simulated) does not answer" \
	    grep -q "timed out" "$TMP/poll.err"
fi
check "-v logs the dead address" grep -q "address 4 .*dead" "$TMP/sim.err"
check "-v logs the unknown address" \
    grep -q "address 9 .*not simulated" "$TMP/sim.err"

# The link's life: SIGTERM removes it and exits 0.
kill "$SIM"
wait "$SIM"
rc=$?
check "SIGTERM: mews-sim exits 0 (got $rc)" test $rc -eq 0
check "SIGTERM: the link $BUS is removed" test ! -e "$BUS" -a ! -L "$BUS"

# A stale link is replaced, anything else is left alone.
ln -s /nonexistent "$TMP/stale"
if start_sim stale --pty "$TMP/stale" --device 1:sdm120; then
	check "a stale link is replaced" test -c "$TMP/stale"
else
	not_ok "a stale link is replaced"
fi
: >"$TMP/file"
"$MEWS_SIM" --profile-dir "$PROFILES" --pty "$TMP/file" --device 1:sdm120 \
    >/dev/null 2>"$TMP/file.err"
rc=$?
check "a regular file at PATH is refused (exit $rc, want 1)" test $rc -eq 1
check "... and says why" grep -q "not a symbolic link" "$TMP/file.err"

# Fault injection.
start_sim crc --pty "$TMP/crc" --crc-error-rate 1 --device 1:sdm120
poll "$TMP/crc" 1 3:float 0 1 -B
check "--crc-error-rate 1: mbpoll sees an invalid CRC" \
    grep -q "Invalid CRC" "$TMP/poll.err"

start_sim slow --pty "$TMP/slow" --delay-ms 300 --device 1:sdm120
mbpoll -m rtu -b 19200 -P none -0 -1 -o 0.1 -a 1 -t 3:float -B -r 0 -c 1 \
    "$TMP/slow" >/dev/null 2>&1
rc=$?
check "--delay-ms 300: a 100 ms timeout expires" test $rc -ne 0
sleep 0.3
poll "$TMP/slow" 1 3:float 0 1 -B
check "--delay-ms 300: a 500 ms timeout gets the value" \
    in_range "$(val 0)" 200 260

start_sim wire --pty "$TMP/wire" --baud 1200 --wire-time --device 1:sdm630
START=$(date +%s%N)
poll "$TMP/wire" 1 3:float 0 2 -B
END=$(date +%s%N)
# 8 + 13 bytes at 11 bits each and 1200 baud, and t3.5: 225 ms.
check "--wire-time at 1200 baud: a read takes $(( (END - START) / 1000000 )) ms (>= 220)" \
    test $(( (END - START) / 1000000 )) -ge 220
check "--wire-time: the value still comes" in_range "$(val 0)" 200 260

# Bad options: exit 2 with a message naming the value.
"$MEWS_SIM" --pty "$TMP/x" --device 1:sdm630 --baud 12345 2>"$TMP/bad.err"
rc=$?
check "--baud 12345: exit 2 (got $rc)" test $rc -eq 2
check "--baud 12345: the message names it" grep -q "12345" "$TMP/bad.err"
"$MEWS_SIM" --pty "$TMP/x" --device 300:sdm630 2>"$TMP/bad.err"
rc=$?
check "--device 300:sdm630: exit 2 (got $rc)" test $rc -eq 2
check "--device 300:sdm630: the message names it" grep -q "300" "$TMP/bad.err"
"$MEWS_SIM" --profile-dir "$PROFILES" --pty "$TMP/x" --device 1:nosuch \
    2>"$TMP/bad.err"
rc=$?
check "--device 1:nosuch: exit 1 (got $rc)" test $rc -eq 1
check "--device 1:nosuch: the message names the profile" \
    grep -q "nosuch" "$TMP/bad.err"

done_testing
