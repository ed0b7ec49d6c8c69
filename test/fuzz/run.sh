#!/bin/sh
# A short run of each fuzzer under make check (MEWS_FUZZ_SECONDS each,
# default 5), from the seed corpus; scripts/fuzz runs them for longer.
# A crash is a failure; its input is kept in test/fuzz/crashes/ of the
# build tree, to be added to the corpus once fixed.
. "$(dirname "$0")/../integration/lib.sh"
seconds=${MEWS_FUZZ_SECONDS:-5}
export LSAN_OPTIONS="suppressions=$top_srcdir/test/fuzz/lsan.supp:print_suppressions=0"
export ASAN_SYMBOLIZER_PATH="${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer || ls /usr/lib/llvm-*/bin/llvm-symbolizer 2>/dev/null | tail -n 1)}"
fuzzers=$(ls "$top_builddir"/test/fuzz/fuzz_* 2>/dev/null | grep -v '\.')
[ -n "$fuzzers" ] || bail_out "no fuzzers built: configure found no clang" \
    "with libFuzzer: install the Debian packages clang libclang-rt-14-dev" \
    "(scripts/deps --test) and configure again"
mkdir -p "$top_builddir/test/fuzz/crashes"
for f in $fuzzers; do
	name=$(basename "$f" | sed 's/^fuzz_//')
	corpus="$TMP/corpus-$name"
	mkdir -p "$corpus"
	cp "$top_srcdir/test/fuzz/corpus/$name"/* "$corpus" 2>/dev/null
	if "$f" -seed=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
	    -artifact_prefix="$top_builddir/test/fuzz/crashes/$name-" \
	    "$corpus" >"$TMP/$name.log" 2>&1; then
		ok "fuzz $name for ${seconds}s: $(grep -o 'Done [0-9]* runs' "$TMP/$name.log" | cut -d' ' -f2) runs, no crash"
	else
		not_ok "fuzz $name"
		tail -n 30 "$TMP/$name.log" | sed 's/^/# /'
	fi
done
done_testing
