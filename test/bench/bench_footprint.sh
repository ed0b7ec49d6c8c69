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
BENCH=bench_footprint
. "$(dirname "$0")/bench_lib.sh"
bench_window 60 "$@"

up=$(port)
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
# conf FILE STATE DEVICES: a configuration on ports of its own.
conf() {
	cat >"$1" <<CONF
state_dir = "$2";
profile_dir = "$top/modules/profiles";
http = { listen = "127.0.0.1"; https_port = $(port); http_port = $(port); www = "$top/www"; };
modbus_tcp = { listen = "127.0.0.1"; port = $(port); };
ftp = { enabled = false; };
gateways = ( { name = "sim"; host = "127.0.0.1"; port = $up; } );
devices = (
$(printf '%s' "$3" | sed '$ s/,$//')
);
CONF
}
conf "$tmp/mews.conf" "$tmp/state" "$devs"
https=$(sed -n 's/.*https_port = \([0-9]*\);.*/\1/p' "$tmp/mews.conf")
# shellcheck disable=SC2086 # one argument per device
"$top_builddir/mews-sim" --tcp "127.0.0.1:$up" --profile-dir "$top/modules/profiles" \
    $sim_args >"$tmp/sim.log" 2>&1 &
sim=$!
pids="$pids $sim"
i=0
until grep -q "ready on" "$tmp/sim.log"; do
	i=$((i + 1)); [ "$i" -lt 100 ] || die "mews-sim did not start"; sleep 0.1
done
"$top_builddir/mewsd" -f --allow-root -c "$tmp/mews.conf" 2>"$tmp/mewsd.log" &
mewsd=$!
pids="$pids $mewsd"
i=0
until grep -q "ready" "$tmp/mewsd.log"; do
	i=$((i + 1)); [ "$i" -lt 100 ] || die "mewsd did not start"; sleep 0.1
done

cpu() { awk '{ print $14 + $15 }' "/proc/${1:-$mewsd}/stat"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/${1:-$mewsd}/status"; }
hz=$(getconf CLK_TCK)
# Past the first minute: its archives are made once, in the 40 s after it.
now=$(date +%s)
echo "32 devices behind mews-sim, every second; waiting for the first history step's archives ..."
sleep $((60 - now % 60 + 50))
online=$(grep -c "is online" "$tmp/mewsd.log")
# What one history write costs, from the daemon's own counters at both
# ends of the window: the archives were made before it.
jar="$tmp/jar"
api() { curl -sk --max-time 5 -b "$jar" -c "$jar" -H 'X-Requested-With: mews' "$@"; }
api -d '{"profile":"user","pin":"11111"}' "https://127.0.0.1:$https/api/login" >/dev/null
hist0=$(api "https://127.0.0.1:$https/api/history")
c0=$(cpu); s0=$(cpu "$sim"); t0=$(date +%s.%N); peak=0; sum=0; n=0
end=$(( $(date +%s) + secs ))
while [ "$(date +%s)" -lt "$end" ]; do
	r=$(rss); sum=$((sum + r)); n=$((n + 1))
	[ "$r" -gt "$peak" ] && peak=$r
	sleep 1
done
c1=$(cpu); s1=$(cpu "$sim"); t1=$(date +%s.%N)
kill -0 "$mewsd" 2>/dev/null || die "mewsd stopped"
# RSS counts the shared libraries' pages too; what mewsd alone holds is
# its private memory, and its fair share of the libraries is the PSS.
parts=$(awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 }
	/^Private_(Clean|Dirty):/ { v += $2 }
	END { printf "%.1f %.1f %.1f", (r - v) / 1024, v / 1024, p / 1024 }' \
	"/proc/$mewsd/smaps_rollup")

hist=$(api "https://127.0.0.1:$https/api/history")

# The references, measured now on the same machine: the same mewsd with no
# device (what the libraries and the servers alone hold), and bare librrd
# writing to copies of one device's archives as mewsd does each minute.
conf "$tmp/mews0.conf" "$tmp/state0" ""
"$top_builddir/mewsd" -f --allow-root -c "$tmp/mews0.conf" \
    2>"$tmp/mewsd0.log" &
mewsd0=$!
pids="$pids $mewsd0"
i=0
until grep -q "ready" "$tmp/mewsd0.log"; do
	i=$((i + 1)); [ "$i" -lt 100 ] || die "the reference mewsd did not start"; sleep 0.1
done
sleep 5
rss0=$(rss "$mewsd0")
kill "$mewsd0"
mkdir "$tmp/rrdcopy"
cp "$tmp/state/rrd/d1/"*.rrd "$tmp/rrdcopy/" 2>/dev/null
bare=$("$top_builddir/test/bench/bench_rrd" "$tmp/rrdcopy" 20 2>&1)
bare_us=$(printf '%s' "$bare" | sed -n 's/.*, \([0-9.]*\) us each$/\1/p')

awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$hz" \
    -v peak="$peak" -v sum="$sum" -v n="$n" -v online="$online" \
    -v parts="$parts" -v s0="$s0" -v s1="$s1" -v rss0="$rss0" '
BEGIN {
	cpu = (c1 - c0) / hz / (t1 - t0) * 100
	split(parts, p, " ")
	printf "devices online: %d of 32; window %.0f s\n", online, t1 - t0
	printf "bench_footprint: RSS peak %.1f MB, mean %.1f MB (target < 16 MB)%s; at the end %.1f MB of shared libraries, %.1f MB private, PSS %.1f MB\n",
	    peak / 1024, sum / n / 1024, peak / 1024 < 16 ? "" : " BELOW TARGET",
	    p[1], p[2], p[3]
	printf "bench_footprint: CPU %.2f %% of one core (target < 2 %%)%s\n",
	    cpu, cpu < 2 ? "" : " BELOW TARGET"
	sim = (s1 - s0) / hz / (t1 - t0) * 100
	printf "table: footprint: RSS, 32 devices every second|peak %.1f MB|mewsd with no device %.1f MB|%.2f|< 16 MB|%s\n",
	    peak / 1024, rss0 / 1024, (rss0 > 0 ? peak / rss0 : 0),
	    (peak / 1024 < 16 ? "PASS" : "BELOW TARGET")
	# A short window may see no clock tick of the simulator: no ratio.
	printf "table: footprint: CPU, 32 devices every second|%.2f %% of a core|mews-sim answering them %.2f %%|%s|< 2 %%|%s\n",
	    cpu, sim, (sim > 0 ? sprintf("%.2f", cpu / sim) : "-"),
	    (cpu < 2 ? "PASS" : "BELOW TARGET")
}'
printf '%s\n%s\n' "$hist0" "$hist" | /usr/bin/python3 -c '
import json, sys
bare = float(sys.argv[1]) if sys.argv[1] else 0
try:
    a, b = (json.loads(l)["stats"] for l in sys.stdin.read().splitlines())
except Exception:
    print("bench_footprint: history figures unavailable"); sys.exit(0)
n = b["updates"] - a["updates"]
per = (b["update_us"] - a["update_us"]) / n if n else 0
print("bench_footprint: history: %d values written in %d steps in the window, "
      "%.1f us a write on average; longest since the start %d us (one "
      "write holds the loop at most that long)"
      % (n, b["steps"] - a["steps"], per, b["max_update_us"]))
print("table: history: one value written|%s|bare rrd_update_r %s|%s|information|-"
      % ("%.1f us" % per if n else "no step in the window (-t under 60)",
         "%.1f us" % bare if bare else "unavailable",
         "%.2f" % (per / bare) if bare and n else "-"))
' "$bare_us"
[ -n "$bare_us" ] || echo "bench_footprint: bench_rrd: $bare"
