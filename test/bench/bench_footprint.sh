#!/bin/sh
# bench_footprint: mewsd's resident memory and CPU with 32 devices polled
# every second (issue 8: RSS under 16 MB, CPU under 2 % of one core, over
# 60 s), with history on, and what one history write costs.  The devices
# sit behind mews-sim serving Modbus TCP, so the line's speed is no limit
# and the figures are mewsd's own.  The window starts once the first
# minute's archives are made (a one-time cost) and holds one history step.
# See test/bench/README.md.  Prints BELOW TARGET, never fails on a figure.
#
# Options: -t S the window (default 60).  Others are ignored.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_builddir:=$top/build}"
secs=60
while [ $# -gt 0 ]; do
	case $1 in
	-t) [ $# -ge 2 ] || break; secs=$2; shift ;;
	*) ;;
	esac
	shift
done
case $secs in ''|*[!0-9]*|0) echo "bench_footprint: -t wants seconds" >&2; exit 2 ;; esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mews-bench.XXXXXX")
pids=""
stop() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 130' INT TERM
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
die() { echo "bench_footprint: cannot run: $*" >&2; exit 1; }

up=$(port)
https=$(port)
profiles="sdm630 sdm120 em24 abb-b23"
devs=""
sim_args=""
i=1
while [ "$i" -le 32 ]; do
	p=$(echo $profiles | cut -d' ' -f$(( (i - 1) % 4 + 1 )))
	sim_args="$sim_args --device $i:$p"
	devs="$devs	{ id = \"d$i\"; gateway = \"sim\"; address = $i; profile = \"$p\"; poll_ms = 1000; },
"
	i=$((i + 1))
done
cat >"$tmp/mews.conf" <<CONF
state_dir = "$tmp/state";
profile_dir = "$top/modules/profiles";
http = { listen = "127.0.0.1"; https_port = $https; http_port = $(port); www = "$top/www"; };
modbus_tcp = { listen = "127.0.0.1"; port = $(port); };
ftp = { enabled = false; };
gateways = ( { name = "sim"; host = "127.0.0.1"; port = $up; } );
devices = (
$(printf '%s' "$devs" | sed '$ s/,$//')
);
CONF
# shellcheck disable=SC2086 # one argument per device
"$top_builddir/mews-sim" --tcp "127.0.0.1:$up" --profile-dir "$top/modules/profiles" \
    $sim_args >"$tmp/sim.log" 2>&1 &
pids="$pids $!"
i=0
until grep -q "ready on" "$tmp/sim.log"; do
	i=$((i + 1)); [ "$i" -lt 100 ] || die "mews-sim did not start"; sleep 0.1
done
"$top_builddir/mewsd" -f -c "$tmp/mews.conf" 2>"$tmp/mewsd.log" &
mewsd=$!
pids="$pids $mewsd"
i=0
until grep -q "ready" "$tmp/mewsd.log"; do
	i=$((i + 1)); [ "$i" -lt 100 ] || die "mewsd did not start"; sleep 0.1
done

cpu() { awk '{ print $14 + $15 }' "/proc/$mewsd/stat"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$mewsd/status"; }
hz=$(getconf CLK_TCK)
# Past the first minute: its archives are made once, in the 40 s after it.
now=$(date +%s)
echo "32 devices behind mews-sim, every second; waiting for the first history step's archives ..."
sleep $((60 - now % 60 + 50))
online=$(grep -c "is online" "$tmp/mewsd.log")
c0=$(cpu); t0=$(date +%s.%N); peak=0; sum=0; n=0
end=$(( $(date +%s) + secs ))
while [ "$(date +%s)" -lt "$end" ]; do
	r=$(rss); sum=$((sum + r)); n=$((n + 1))
	[ "$r" -gt "$peak" ] && peak=$r
	sleep 1
done
c1=$(cpu); t1=$(date +%s.%N)
kill -0 "$mewsd" 2>/dev/null || die "mewsd stopped"
# RSS counts the shared libraries' pages too; what mewsd alone holds is
# its private memory, and its fair share of the libraries is the PSS.
parts=$(awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 }
	/^Private_(Clean|Dirty):/ { v += $2 }
	END { printf "%.1f %.1f %.1f", (r - v) / 1024, v / 1024, p / 1024 }' \
	"/proc/$mewsd/smaps_rollup")

# What one history write cost, from the daemon's own counters.
jar="$tmp/jar"
api() { curl -sk --max-time 5 -b "$jar" -c "$jar" -H 'X-Requested-With: mews' "$@"; }
api -d '{"profile":"user","pin":"11111"}' "https://127.0.0.1:$https/api/login" >/dev/null
hist=$(api "https://127.0.0.1:$https/api/history")

awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$hz" \
    -v peak="$peak" -v sum="$sum" -v n="$n" -v online="$online" \
    -v parts="$parts" '
BEGIN {
	cpu = (c1 - c0) / hz / (t1 - t0) * 100
	split(parts, p, " ")
	printf "devices online: %d of 32; window %.0f s\n", online, t1 - t0
	printf "bench_footprint: RSS peak %.1f MB, mean %.1f MB (target < 16 MB)%s; at the end %.1f MB of shared libraries, %.1f MB private, PSS %.1f MB\n",
	    peak / 1024, sum / n / 1024, peak / 1024 < 16 ? "" : " BELOW TARGET",
	    p[1], p[2], p[3]
	printf "bench_footprint: CPU %.2f %% of one core (target < 2 %%)%s\n",
	    cpu, cpu < 2 ? "" : " BELOW TARGET"
}'
printf '%s' "$hist" | /usr/bin/python3 -c '
import json, sys
try:
    s = json.load(sys.stdin)["stats"]
except Exception:
    print("bench_footprint: history figures unavailable"); sys.exit(0)
per = s["update_us"] / s["updates"] if s.get("updates") else 0
print("bench_footprint: history: %d values written in %d steps, %.0f us a write "
      "on average, longest %d us (the loop is held at most that long by one)"
      % (s["updates"], s["steps"], per, s["max_update_us"]))
'
