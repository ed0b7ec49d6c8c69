# Shared by the shell benchmarks: a temporary folder and the children
# started (their pids in $pids) cleaned up at exit, free loopback ports,
# and die.  BENCH names the benchmark in its messages.
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
die() { echo "$BENCH: cannot run: $*" >&2; exit 1; }
# bench_window DEFAULT ARGS...: secs, the window, from -t S (DEFAULT when
# absent); other options are ignored, a -t that is not a whole number of
# seconds above 0 exits 2.
bench_window() {
	secs=$1
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		-t) [ $# -ge 2 ] || break; secs=$2; shift ;;
		*) ;;
		esac
		shift
	done
	case $secs in
	''|*[!0-9]*|0) echo "$BENCH: -t wants seconds" >&2; exit 2 ;;
	esac
}
