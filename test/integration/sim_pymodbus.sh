#!/bin/sh
# mews-sim read by pymodbus (Debian's python3-pymodbus, 3.0 API), as a
# Modbus TCP gateway and on a pseudo-terminal: every profile's encoding
# (float32, int32 low word first with a scale, u64), the physics between
# values, exceptions, and finding requests behind line noise.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
READ="$top_srcdir/test/integration/read_pymodbus.py"
[ -x "$MEWS_SIM" ] || bail_out "$MEWS_SIM is not built"
have_module pymodbus.client ||
	need "no Python module pymodbus.client" python3-pymodbus
have ss || need "no ss" iproute2

DEVICES="--device 1:sdm630 --device 2:sdm120 --device 3:em24 \
    --device 4:abb-b23 --device 5:sdm630 --dead 5"

# read_specs WHERE SPEC...: "SPEC value V" / "SPEC exception N" lines.
read_specs() {
	$PY "$READ" "$@" >"$TMP/read" 2>"$TMP/read.err"
}
# val SPEC: the value read for SPEC, empty when there is none.
val() { awk -v s="$1" '$1 == s && $2 == "value" { print $3; exit }' "$TMP/read"; }
# exc SPEC: the exception code for SPEC.
exc() { awk -v s="$1" '$1 == s && $2 == "exception" { print $3; exit }' "$TMP/read"; }
# answer SPEC: what came back, for the test's description.
answer() { awk -v s="$1" '$1 == s { $1 = ""; print; exit }' "$TMP/read"; }
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
calc() { awk "BEGIN { print $* }"; }

# The specs: UNIT:FUNCTION:ADDRESS:TYPE:ORDER:SCALE (see read_pymodbus.py).
SDM630_V1=1:4:0x00:float32
SDM630_V12=1:4:0xC8:float32
SDM630_P1=1:4:0x0C:float32
SDM630_P2=1:4:0x0E:float32
SDM630_P3=1:4:0x10:float32
SDM630_P=1:4:0x34:float32
SDM630_S=1:4:0x38:float32
SDM630_PF=1:4:0x3E:float32
SDM630_F=1:4:0x46:float32
SDM120_V=2:4:0x00:float32
SDM120_I=2:4:0x06:float32
SDM120_P=2:4:0x0C:float32
SDM120_PF=2:4:0x1E:float32
SDM120_E=2:4:0x48:float32
EM24_V1=3:4:0x00:s32:low:0.1
EM24_V12=3:4:0x06:s32:low:0.1
EM24_P=3:4:0x28:s32:low:0.1
EM24_PF=3:4:0x35:s16:high:0.001
EM24_F=3:4:0x37:s16:high:0.1
EM24_E=3:4:0x3E:s32:low:0.1
ABB_E=4:3:0x5000:u64:high:0.01
ABB_V1=4:3:0x5B00:u32:high:0.1
ABB_P=4:3:0x5B14:s32:high:0.01
ABB_F=4:3:0x5B2C:u16:high:0.01
ABB_PF=4:3:0x5B3A:s16:high:0.001
DEAD=5:4:0x00:float32
UNKNOWN=9:4:0x00:float32
OUTSIDE=1:4:0x1000:float32

# check_profiles MODE: the values every profile must give.
check_profiles() {
	local m=$1 v p

	v=$(val $SDM630_V1)
	check "$m sdm630: voltage_l1 $v V in 200..260" in_range "$v" 200 260
	v=$(val $SDM630_V12)
	check "$m sdm630: voltage_l12 $v V in 370..430" in_range "$v" 370 430
	v=$(val $SDM630_F)
	check "$m sdm630: frequency $v Hz in 49..51" in_range "$v" 49 51
	v=$(val $SDM630_PF)
	check "$m sdm630: power_factor $v in 0.9..1" in_range "$v" 0.9 1
	p=$(val $SDM630_P)
	check "$m sdm630: power $p W is the sum of the phases" near "$p" \
	    "$(calc "$(val $SDM630_P1)" + "$(val $SDM630_P2)" + "$(val $SDM630_P3)")" 0.03
	check "$m sdm630: power $p W is apparent power * power factor" \
	    near "$p" "$(calc "$(val $SDM630_S)" "*" "$(val $SDM630_PF)")" 0.03

	p=$(val $SDM120_P)
	check "$m sdm120: power $p W is V*I*PF" near "$p" "$(calc \
	    "$(val $SDM120_V)" "*" "$(val $SDM120_I)" "*" "$(val $SDM120_PF)")" 0.01
	v=$(val $SDM120_E)
	check "$m sdm120: energy_import $v kWh is a plausible counter" \
	    in_range "$v" 100 1000000

	v=$(val $EM24_V1)
	check "$m em24 (s32 low word first, x0.1): voltage_l1 $v V in 200..260" \
	    in_range "$v" 200 260
	v=$(val $EM24_V12)
	check "$m em24: voltage_l12 $v V in 370..430" in_range "$v" 370 430
	v=$(val $EM24_F)
	check "$m em24 (s16 x0.1): frequency $v Hz in 49..51" in_range "$v" 49 51
	v=$(val $EM24_PF)
	check "$m em24 (s16 x0.001): power_factor $v in 0.9..1" \
	    in_range "$v" 0.9 1
	v=$(val $EM24_P)
	check "$m em24: power $v W in 100..100000" in_range "$v" 100 100000
	v=$(val $EM24_E)
	check "$m em24: energy_import $v kWh is a plausible counter" \
	    in_range "$v" 100 1000000

	v=$(val $ABB_E)
	check "$m abb-b23 (u64 x0.01): energy_import $v kWh is a plausible counter" \
	    in_range "$v" 100 1000000
	v=$(val $ABB_V1)
	check "$m abb-b23 (u32 x0.1): voltage_l1 $v V in 200..260" \
	    in_range "$v" 200 260
	v=$(val $ABB_F)
	check "$m abb-b23 (u16 x0.01): frequency $v Hz in 49..51" \
	    in_range "$v" 49 51
	v=$(val $ABB_PF)
	check "$m abb-b23 (s16 x0.001): power_factor $v in 0.9..1" \
	    in_range "$v" 0.9 1
	v=$(val $ABB_P)
	check "$m abb-b23 (s32 x0.01): power $v W in 100..100000" \
	    in_range "$v" 100 100000

	check "$m: outside the map, exception 2 (got$(answer $OUTSIDE))" \
	    test "$(exc $OUTSIDE)" = 2
}

ALL="$SDM630_V1 $SDM630_V12 $SDM630_P1 $SDM630_P2 $SDM630_P3 $SDM630_P \
    $SDM630_S $SDM630_PF $SDM630_F $SDM120_V $SDM120_I $SDM120_P $SDM120_PF \
    $SDM120_E $EM24_V1 $EM24_V12 $EM24_P $EM24_PF $EM24_F $EM24_E $ABB_E \
    $ABB_V1 $ABB_P $ABB_F $ABB_PF $OUTSIDE"

# --- Modbus TCP gateway, on a port the kernel picks ---------------------
spawn "$MEWS_SIM" --profile-dir "$PROFILES" --tcp 127.0.0.1:0 --seed 2 \
    $DEVICES >"$TMP/tcp.out" 2>"$TMP/tcp.err"
TCP_PID=$LAST_PID
if wait_for 5 grep -q "ready on 127.0.0.1:" "$TMP/tcp.out"; then
	ok "tcp: mews-sim is ready"
else
	not_ok "tcp: mews-sim is ready"
	sed 's/^/# /' "$TMP/tcp.err"
	done_testing
fi
PORT=$(sed -n 's/^mews-sim: ready on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/tcp.out")
check "tcp: listens on 127.0.0.1 only" \
    sh -c "ss -ltn | grep -q '127.0.0.1:$PORT '"

read_specs --tcp "127.0.0.1:$PORT" --timeout 2 $ALL $DEAD $UNKNOWN
check "tcp: every read is answered" test $? -eq 0
check_profiles tcp
check "tcp: dead unit 5, exception 11 (got$(answer $DEAD))" \
    test "$(exc $DEAD)" = 11
check "tcp: unknown unit 9, exception 11 (got$(answer $UNKNOWN))" \
    test "$(exc $UNKNOWN)" = 11

read_specs --tcp "127.0.0.1:$PORT" --repeat 2 --interval 1 $ABB_E
E1=$(awk 'NR == 1 { print $3 }' "$TMP/read")
E2=$(awk 'NR == 2 { print $3 }' "$TMP/read")
check "tcp: abb-b23 energy_import rises or stays ($E1 -> $E2)" \
    awk -v a="$E1" -v b="$E2" 'BEGIN { exit !(a != "" && b != "" && b + 0 >= a + 0) }'

kill "$TCP_PID"
wait "$TCP_PID"
rc=$?
check "tcp: SIGTERM, exit 0 (got $rc)" test $rc -eq 0

# --- RTU on a pseudo-terminal --------------------------------------------
BUS=$TMP/bus
spawn "$MEWS_SIM" --profile-dir "$PROFILES" --pty "$BUS" --seed 3 \
    $DEVICES >"$TMP/rtu.out" 2>"$TMP/rtu.err"
if wait_for 5 grep -q "ready on $BUS" "$TMP/rtu.out"; then
	ok "rtu: mews-sim is ready"
else
	not_ok "rtu: mews-sim is ready"
	sed 's/^/# /' "$TMP/rtu.err"
	done_testing
fi

read_specs --serial "$BUS" --timeout 1 $ALL
check "rtu: every read is answered" test $? -eq 0
check_profiles rtu

read_specs --serial "$BUS" --timeout 0.5 $DEAD $UNKNOWN $SDM120_V
check "rtu: dead address 5 does not answer (got$(answer $DEAD))" \
    sh -c "awk -v s=$DEAD '\$1 == s && \$2 == \"error\"' '$TMP/read' | grep -q ."
check "rtu: unknown address 9 does not answer (got$(answer $UNKNOWN))" \
    sh -c "awk -v s=$UNKNOWN '\$1 == s && \$2 == \"error\"' '$TMP/read' | grep -q ."
check "rtu: the bus answers after them" in_range "$(val $SDM120_V)" 200 260

# Noise on the line before each request: the simulator finds the request.
read_specs --serial "$BUS" --junk 5510ff03 $SDM630_V1 $SDM120_V
check "rtu: a request behind noise is answered (sdm630)" \
    in_range "$(val $SDM630_V1)" 200 260
check "rtu: a request behind noise is answered (sdm120)" \
    in_range "$(val $SDM120_V)" 200 260
read_specs --serial "$BUS" --junk 0110000000 $SDM630_V1
check "rtu: a request behind a bogus frame header is answered" \
    in_range "$(val $SDM630_V1)" 200 260
read_specs --serial "$BUS" --junk 010400 --pause 0.1 $SDM630_V1
check "rtu: a request after a partial frame and a silence is answered" \
    in_range "$(val $SDM630_V1)" 200 260

done_testing
