# Shared by the integration tests: TAP output, temporary folders, free
# loopback ports, readiness polling and clean-up of the children we start.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
MEWSD="$top_builddir/mewsd"
MEWS_SIM="$top_builddir/mews-sim"
PROFILES="$top_srcdir/modules/profiles"

tap_n=0
tap_failed=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
# check DESCRIPTION COMMAND...: one TAP line from a command's exit status.
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
diag() { echo "# $*"; }
# A test that cannot run here is an ERROR, never a skip: a skip would hide
# exactly a missing install step.  scripts/deps --test installs every
# package a test uses, and tools.sh, the first test, proves it did.
# bail_out REASON: automake's TAP driver counts "Bail out!" as an ERROR.
bail_out() { echo "Bail out! $*"; exit 1; }
# need WHAT PACKAGE...: WHAT is missing; the packages bring it.
need() {
	local what="$1" s=""; shift
	[ $# -gt 1 ] && s=s
	bail_out "$what: install the Debian package$s $* (scripts/deps --test)"
}
# have PROGRAM: a path that is executable, or a name found on PATH.
have() {
	case $1 in
	/*) [ -x "$1" ] ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}
# have_module MODULE: the tests' Python imports it.
have_module() { /usr/bin/python3 -c "import $1" 2>/dev/null; }
done_testing() { echo "1..$tap_n"; exit 0; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mews-test.XXXXXX")

# MEWS_VALGRIND=1 (scripts/check --deep): mewsd runs under memcheck, and a
# memory error or a leak makes it exit 42, which the tests that check its
# exit status report.  --run-libc-freeres=no: the children mewsd forks
# end with _exit, yet memcheck would run glibc's clean-up in them, which
# moves the offsets of files they share with mewsd (a mail's attachment
# was sent in part twice).
if [ "${MEWS_VALGRIND:-0}" = 1 ]; then
	cat >"$TMP/mewsd-valgrind" <<WRAP
#!/bin/sh
exec valgrind -q --child-silent-after-fork=yes --run-libc-freeres=no \\
    --leak-check=full --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect --error-exitcode=42 \\
    --suppressions="$top_srcdir/test/valgrind.supp" \\
    --log-file="$TMP/valgrind.%p.log" "$MEWSD" "\$@"
WRAP
	chmod +x "$TMP/mewsd-valgrind"
	MEWSD="$TMP/mewsd-valgrind"
fi
CHILDREN=""
cleanup() {
	for pid in $CHILDREN; do kill "$pid" 2>/dev/null; done
	for pid in $CHILDREN; do wait "$pid" 2>/dev/null; done
	# What memcheck said goes into the test's log before it is gone.
	cat "$TMP"/valgrind.*.log 2>/dev/null | sed 's/^/# /'
	rm -rf "$TMP"
}
trap cleanup EXIT
# sh runs no EXIT trap when a signal kills it: an interrupted test would
# leave its daemon and simulator running.  Exit on them, so it does.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
spawn() { "$@" & CHILDREN="$CHILDREN $!"; LAST_PID=$!; }

# wait_for SECONDS COMMAND...: poll until the command succeeds.  The
# bound is what a quiet machine needs; it stretches by MEWS_WAIT_SCALE
# (2 by default, 4 with mewsd under memcheck), because CI machines are
# shared and loaded, and waiting longer costs nothing when all goes well.
if [ "${MEWS_VALGRIND:-0}" = 1 ]; then
	: "${MEWS_WAIT_SCALE:=4}"
else
	: "${MEWS_WAIT_SCALE:=2}"
fi
# The bound is in seconds of the clock, not in tries: a command that
# itself waits (a subscriber's one-second timeout) must not stretch it.
wait_for() {
	local limit=$1; shift
	wait_every 0.05 $((limit * MEWS_WAIT_SCALE)) "$@"
}

# wait_every PACE SECONDS COMMAND...: try the command every PACE seconds
# (for commands too costly for wait_for's pace) until it succeeds, for at
# most SECONDS, as they are: a bound that is itself what a test asserts.
wait_every() {
	local pace=$1 end; end=$(($(date +%s) + $2)); shift 2
	until "$@" 2>/dev/null; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep "$pace"
	done
}

# A free TCP port on 127.0.0.1, and never one this test was given before
# (two servers of one test would clash).  Picked below the kernel's
# ephemeral range (32768 and up by default): a port from that range, free
# when picked, may be taken by any client's outgoing connection, another
# test's curl, before the server listens on it.
free_port() {
	local p
	while :; do
		p=$(/usr/bin/python3 -c '
import random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
while True:
    p = random.randrange(10000, max(lo, 10001))
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        break
    except OSError:
        s.close()
print(p)')
		grep -qx "$p" "$TMP/ports.given" 2>/dev/null || break
	done
	echo "$p" >>"$TMP/ports.given"
	echo "$p"
}

# An accelerated wall clock, so that a test of minute steps, idle
# timeouts, alarm, budget and report schedules takes seconds against the
# real daemon (core/base/clock.h).  test_clock RATE [START]: every mewsd this
# test starts from now on runs its wall clock RATE times as fast as real
# time from this moment, when it reads START (now by default), with RATE
# divided by MEWS_WAIT_SCALE/2 (halved under memcheck) so that a slow
# daemon's replies land where they would on a quiet machine.  clock_now
# prints that clock's time; clock_sleep SECONDS sleeps that many seconds
# of it; clock_until T sleeps until it reads T.
test_clock() {
	CLOCK_RATE=$(awk -v r="$1" -v s="$MEWS_WAIT_SCALE" \
	    'BEGIN { r = r * 2 / s; print (r < 1 ? 1 : r) }')
	CLOCK_EPOCH=$(date +%s)
	CLOCK_START=${2:-$CLOCK_EPOCH}
	MEWS_TEST_CLOCK="$CLOCK_RATE@$CLOCK_EPOCH=$CLOCK_START"
	export MEWS_TEST_CLOCK
}
CLOCK_RATE=1
CLOCK_EPOCH=0
CLOCK_START=0
# The clock's time, with its fraction.
clock_read() {
	awk -v s="$CLOCK_START" -v e="$CLOCK_EPOCH" -v r="$CLOCK_RATE" \
	    -v n="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", s + (n - e) * r }'
}
clock_now() { clock_read | cut -d. -f1; }
clock_sleep() {
	sleep "$(awk -v s="$1" -v r="$CLOCK_RATE" 'BEGIN { print s / r }')"
}
clock_until() {
	awk -v t="$1" -v w="$(clock_read)" -v r="$CLOCK_RATE" \
	    'BEGIN { printf "%.3f\n", (t > w ? (t - w) / r : 0) }' | xargs sleep
}
