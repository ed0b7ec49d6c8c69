#!/bin/sh
# README.md is what a newcomer has: every command in it must at least take
# the options it is shown with, and every file it names must exist.
#
# Commands are taken from the code blocks (indented or fenced) and from
# inline code that starts with a known program; paths from everywhere.
# mewsd runs with -t on a scratch copy of etc/mews-demo.conf, mews-sim with
# --help last (its options are all parsed, and checked one by one, before
# the help is printed); scripts must exist, be executable, pass `sh -n` and
# name the options in their `usage:` line; other tools must list each
# option in their own help.
#
# Not checked, on purpose: what a command does once it runs (only its
# options are parsed), positional arguments (scripts/fuzz SECONDS NAME,
# hosts, URLs), mews-sim's rules across options (--pty or --tcp, --dead
# only where a --device is: checked after --help has ended it), and
# quoting (the README's commands are split at blanks; none quotes).
#
# README=FILE checks another copy (paths are still looked up in the
# source tree), so a broken copy can prove the test fails.
. "$(dirname "$0")/lib.sh"
LC_ALL=C
export LC_ALL

README=${README:-$top_srcdir/README.md}
[ -r "$README" ] || bail_out "no $README"
[ -x "$MEWSD" ] || bail_out "$MEWSD is not built"
[ -x "$MEWS_SIM" ] || bail_out "$MEWS_SIM is not built"
have timeout || need "no timeout" coreutils

# The programs whose lines are commands.  A code block whose first line
# starts with one of them is a shell block, where every line must; in
# prose, only inline code starting with one of them is a command.
PROJECT="mewsd mews-sim scripts/demo scripts/check scripts/deps scripts/bench"
PROJECT="$PROJECT scripts/fuzz .ci/run ./configure"
EXTERNAL="autoreconf make mbpoll curl rrdtool cadaver mount systemctl"
EXTERNAL="$EXTERNAL systemd-sysusers systemd-tmpfiles systemd-analyze journalctl"

# The README's code and the words around it, one record a line:
# LINE, KIND, TEXT, DIR.  KIND: cmd (a command: one segment of a line,
# split at && || | ;), unknown (a line of a shell block, or a segment,
# that is not a known program), path (core/..., /usr/...), bare (a source
# file named alone; DIR is the folder the Source tree block lists it
# under), prog (a test or benchmark program, test_x), opt (inline code
# that is an option alone, `--dead ADDR`: the prose says whose).
cat >"$TMP/extract.awk" <<'AWK'
BEGIN {
	n = split(cmds, w, " ")
	for (i = 1; i <= n; i++)
		known[w[i]] = 1
	prevblank = 1
}
function emit(ln, kind, text, extra) {
	gsub(/\t/, " ", text)
	printf "%d\t%s\t%s\t%s\n", ln, kind, text, extra
}
function words(ln, s, dir,    t, m, i, x) {
	m = split(s, t, /[^A-Za-z0-9_.\/*+~-]+/)
	for (i = 1; i <= m; i++) {
		x = t[i]
		while (x ~ /[.,:]$/)
			sub(/[.,:]$/, "", x)
		if (x ~ /^(core|etc|test|scripts|www|modules|m4|build-aux|build|build-sanitizers|\.ci)\//)
			emit(ln, "path", x)
		else if (x ~ /^\/(usr|etc|var|dev|tmp|lib|run|mnt|opt|bin|sbin|home|srv|proc|sys|root)(\/|$)/)
			emit(ln, "path", x)
		else if (dir != "" && x ~ /^[a-z][a-z0-9_-]*\/[A-Za-z0-9_.*\/-]+$/)
			emit(ln, "path", dir x)
		else if (x !~ /\// && (x ~ /^[A-Za-z_][A-Za-z0-9_.-]*\.(c|h|sh|py|js|md|in|supp)$/ ||
		    x ~ /^[A-Za-z_][A-Za-z0-9_.-]*[A-Za-z]\.[58]$/))
			emit(ln, "bare", x, dir)
		else if (x ~ /^(test|bench|fuzz)_[a-z0-9_]+$/)
			emit(ln, "prog", x)
	}
}
function first_word(s,    f) {
	sub(/^[ \t]+/, "", s)
	split(s, f, /[ \t]+/)
	return f[1] == "sudo" ? f[2] : f[1]
}
function segments(ln, s,    seg, m, i, x) {
	sub(/[ \t]+#.*$/, "", s)
	gsub(/ *&& *| *\|\| *| \| | *; */, "\n", s)
	m = split(s, seg, "\n")
	for (i = 1; i <= m; i++) {
		x = seg[i]
		sub(/^[ \t]+/, "", x)
		sub(/[ \t]+$/, "", x)
		if (x != "")
			emit(ln, known[first_word(x)] ? "cmd" : "unknown", x)
	}
}
function span(ln, s,    fw) {
	words(ln, s, "")
	fw = first_word(s)
	if (known[fw])
		segments(ln, s)
	else if (fw ~ /^-/)
		emit(ln, "opt", fw)
}
function blockline(ln, s,    fw) {
	# "    core/       the daemon: main.c ...": names below are in core/.
	if (match(s, /^    [a-z][a-z0-9_.\/-]*\/ /))
		bdir = substr(s, 5, RLENGTH - 5)
	words(ln, s, bdir)
	if ((fw = first_word(s)) == "")
		return
	if (bshell == -1)
		bshell = known[fw] ? 1 : 0
	if (bshell)
		segments(ln, s)
}
# Inline code may run over a line end: it is taken whole, at its start.
function prose(ln, s,    p) {
	while ((p = index(s, "`")) > 0) {
		if (open) {
			span(openln, pend " " substr(s, 1, p - 1))
			open = 0
		} else {
			words(ln, substr(s, 1, p - 1), "")
			open = 1
			openln = ln
			pend = ""
		}
		s = substr(s, p + 1)
	}
	if (open)
		pend = pend " " s
	else
		words(ln, s, "")
}
fence {
	if ($0 ~ /^ *```/)
		fence = 0
	else
		blockline(NR, $0)
	next
}
/^ *```/ {
	fence = 1; bshell = -1; bdir = ""; open = 0; prevblank = 0
	next
}
/^[ \t]*$/ {
	inblock = 0; prevblank = 1; open = 0
	next
}
/^    / && (prevblank || inblock) && !open {
	if (!inblock) {
		inblock = 1; bshell = -1; bdir = ""
	}
	blockline(NR, $0)
	prevblank = 0
	next
}
{
	inblock = 0; prevblank = 0
	prose(NR, $0)
}
AWK
# One record per distinct thing, with every line that names it.
awk -v cmds="$PROJECT $EXTERNAL" -f "$TMP/extract.awk" "$README" |
    awk -F '\t' '{
	k = $2 "\t" $3 "\t" $4
	if (!(k in lines)) { order[++n] = k; lines[k] = $1 }
	else if (lines[k] !~ ("(^|,)" $1 "$")) lines[k] = lines[k] "," $1
    } END { for (i = 1; i <= n; i++) print lines[order[i]] "\t" order[i] }' \
    >"$TMP/records"

# The tree's files, for source files named without their folder.  build*
# are build trees (scripts/demo's, a developer's own), not sources.
(cd "$top_srcdir" && find . -path ./.git -prune -o -path './build*' -prune \
    -o -path ./autom4te.cache -prune -o -type f -print) |
    sed 's|.*/||' | sort -u >"$TMP/basenames"

# mewsd needs a configuration it can check: the demo's, with its state
# and its line in this test's folder so nothing of a running demo is
# touched (--reset-profile writes state_dir/profiles.conf).
SCRATCH=$TMP/mews-demo.conf
sed -e "s|/tmp/mews-demo|$TMP/demo|g" -e "s|\"\\.\\./|\"$top_srcdir/|g" \
    "$top_srcdir/etc/mews-demo.conf" >"$SCRATCH"
mkdir -p "$TMP/demo"

# A placeholder such as FILE, N, ADDR:PROFILE, 1:NAME or "...": capitals
# and no lower case.
is_placeholder() {
	case $1 in
	...) return 0 ;;
	*[a-z]*) return 1 ;;
	*[A-Z]*) return 0 ;;
	esac
	return 1
}

# The options of a command's arguments, one a line: --long (without its
# =value), and each letter of -abc as -a -b -c.
options_of() {
	local a
	for a do
		case $a in
		--) break ;;
		--*) printf '%s\n' "${a%%=*}" ;;
		-?*) printf '%s\n' "${a#-}" | sed 's/./-&\n/g' | sed '/^$/d' ;;
		esac
	done
}

# help_text PROGRAM: what it says about its options (cached).
help_text() {
	local f
	f="$TMP/help.$(printf '%s' "$1" | tr -c 'A-Za-z0-9\n' _)"
	if [ ! -f "$f" ]; then
		case $1 in
		# curl --help lists only the common options.
		curl) timeout 10 curl --help all ;;
		*) timeout 10 "$1" --help; timeout 10 "$1" -h ;;
		esac >"$f" 2>&1 </dev/null
	fi
	cat "$f"
}

# in_help PROGRAM OPTION: the help shows OPTION as a word of its own
# (--with-X stands for --without-X, --enable-X for --disable-X).
in_help() {
	local o
	for o in "$2" $(printf '%s\n' "$2" | sed -n \
	    -e 's/^--without-/--with-/p' -e 's/^--with-/--without-/p' \
	    -e 's/^--disable-/--enable-/p' -e 's/^--enable-/--disable-/p'); do
		help_text "$1" | grep -qE -- "(^|[^A-Za-z0-9-])$o([^A-Za-z0-9-]|\$)" &&
		    return 0
	done
	return 1
}

# The command's arguments with [ ] of a synopsis dropped and a|b|c taken
# as a; set into "$@" by the callers with IFS at a newline.
plain_args() {
	local a
	for a do
		a=$(printf '%s' "$a" | tr -d '[]')
		[ -n "$a" ] || continue
		case $a in
		-*) ;;
		*'|'*) a=${a%%|*} ;;
		esac
		printf '%s\n' "$a"
	done
}

NL='
'
WHY=""

# mewsd: -t on the scratch configuration after the README's options; any
# -c FILE of the README is the scratch one (the README's is a placeholder
# or an installed path).  mewsd stops at -h, so a -h of the README goes
# last, once every other option is parsed, instead of -t.
check_mewsd() {
	local a prev="" args="" last=-t out
	for a do
		case $prev in
		-c) a=$SCRATCH ;;
		--reset-profile) is_placeholder "$a" && a=user ;;
		*)
			case $a in
			-h) last=-h; prev=$a; continue ;;
			esac ;;
		esac
		args="$args$a$NL"
		prev=$a
	done
	IFS=$NL
	# shellcheck disable=SC2086 # one argument a line
	set -- $args
	IFS=' 	
'
	out=$(cd "$TMP" && timeout 20 "$MEWSD" -c "$SCRATCH" "$@" "$last" \
	    2>&1 </dev/null) && return 0
	WHY="mewsd -c $SCRATCH $* $last: $out"
	return 1
}

# mews-sim: placeholders replaced by plausible values; --help last, which
# exits 0 with the usage once every option before it was parsed (an
# unknown option or a bad value exits 64 first).
check_sim() {
	local a prev="" args="" addr=0 out
	for a do
		# Its own --help ends the arguments.
		case $a in
		-h|--help) prev=$a; continue ;;
		esac
		if is_placeholder "$a"; then
			case $prev in
			--pty) a=$TMP/pty ;;
			--tcp) a=127.0.0.1:5020 ;;
			--baud) a=19200 ;;
			--stop-bits) a=1 ;;
			--device) addr=$((addr + 1)); a=$addr:sdm120 ;;
			--delay-ms) a=10 ;;
			--dead) a=1 ;;
			--crc-error-rate|--garbage-rate) a=0.01 ;;
			--profile-dir) a=$PROFILES ;;
			--seed) a=1 ;;
			esac
		elif [ "$prev" = --device ] &&
		    [ ! -f "$PROFILES/${a#*:}.conf" ]; then
			WHY="--device $a: no profile $PROFILES/${a#*:}.conf"
			return 1
		fi
		args="$args$a$NL"
		prev=$a
	done
	IFS=$NL
	# shellcheck disable=SC2086 # one argument a line
	set -- $args
	IFS=' 	
'
	# The README's relative paths (modules/profiles) are the tree's.
	out=$(cd "$top_srcdir" && timeout 10 "$MEWS_SIM" "$@" --help 2>&1 \
	    </dev/null)
	case $? in
	0) case $out in "usage: mews-sim"*) return 0 ;; esac ;;
	esac
	WHY="mews-sim $* --help: $out"
	return 1
}

# scripts/NAME: there, executable, sh -n clean, and each option in the
# usage: line it prints (a script without one takes none).
check_script() {
	local f="$top_srcdir/$1" usage o bad=""
	shift
	[ -f "$f" ] || { WHY="no such script"; return 1; }
	[ -x "$f" ] || { WHY="not executable"; return 1; }
	sh -n "$f" 2>"$TMP/sh-n" || { WHY="sh -n: $(cat "$TMP/sh-n")"; return 1; }
	usage=$(grep -o 'usage: [^"]*' "$f" | head -n 1)
	for o in $(options_of "$@"); do
		printf '%s\n' "$usage" | tr -d '[]|' | tr ' ' '\n' |
		    grep -qxF -- "$o" || bad="$bad $o"
	done
	[ -z "$bad" ] && return 0
	WHY="not in its usage (${usage:-none}):$bad"
	return 1
}

# check_command PROGRAM ARGS...: the checks above, by program.
check_command() {
	local prog=$1
	shift
	case $prog in
	mewsd) check_mewsd "$@" ;;
	mews-sim) check_sim "$@" ;;
	scripts/*|.ci/*) check_script "$prog" "$@" ;;
	./configure) check_tool "$top_srcdir/configure" "$@" ;;
	*) check_tool "$prog" "$@" ;;
	esac
}

# Any other program: each option shown in its own help.
check_tool() {
	local tool=$1 o bad=""
	shift
	for o in $(options_of "$@"); do
		in_help "$tool" "$o" || bad="$bad $o"
	done
	[ -z "$bad" ] && return 0
	WHY="not in $tool's help:$bad"
	return 1
}

# The programs an option named alone may belong to: ours, and the other
# tools the README runs.
OWNERS="$MEWSD $MEWS_SIM $top_srcdir/configure"
for p in $(awk -F '\t' '$2 == "cmd" { split($3, w, " ");
    print (w[1] == "sudo" ? w[2] : w[1]) }' "$TMP/records" | sort -u); do
	case " $EXTERNAL " in
	*" $p "*) command -v "$p" >/dev/null 2>&1 && OWNERS="$OWNERS $p" ;;
	esac
done

ncmd=0
npath=0
set -f
while IFS='	' read -r lines kind text dir; do
	at="README:$lines"
	case $kind in
	cmd)
		ncmd=$((ncmd + 1))
		# shellcheck disable=SC2086 # the README's words
		set -- $text
		[ "$1" = sudo ] && shift
		prog=$1
		shift
		IFS=$NL
		# shellcheck disable=SC2046
		set -- $(plain_args "$@")
		IFS=' 	
'
		WHY=""
		# Another project's tool must be here to read its options:
		# tools.sh names its package.
		case " $EXTERNAL " in
		*" $prog "*)
			if ! command -v "$prog" >/dev/null 2>&1; then
				not_ok "$at: \`$text\`: $prog is not installed"
				continue
			fi ;;
		esac
		if check_command "$prog" "$@"; then
			ok "$at: \`$text\` parses"
		else
			not_ok "$at: \`$text\`"
			printf '%s\n' "$WHY" | sed 's/^/# /'
		fi
		# The example must end by itself, not poll until Ctrl-C.
		if [ "$prog" = mbpoll ] && [ $# -gt 0 ]; then
			# shellcheck disable=SC2016 # the inner sh expands it
			check "$at: \`$text\` polls once (-1)" \
			    sh -c 'for a do [ "$a" = -1 ] && exit 0; done; exit 1' _ "$@"
		fi
		;;
	opt)
		o=$(options_of "$text" | head -n 1)
		owner=""
		for p in $OWNERS; do
			in_help "$p" "$o" && { owner=$p; break; }
		done
		if [ -n "$owner" ]; then
			ok "$at: \`$text\` is an option of ${owner##*/}"
		else
			not_ok "$at: \`$text\` is an option of none of:$(for p in $OWNERS; do printf ' %s' "${p##*/}"; done)"
		fi
		;;
	unknown)
		not_ok "$at: \`$text\`: not a program this test knows (add it to PROJECT or EXTERNAL)"
		;;
	path)
		npath=$((npath + 1))
		case $text in
		# Made by the build (scripts/demo, scripts/check) and by the
		# sanitizer build of scripts/check --deep.
		build/*|build-sanitizers/*)
			ok "$at: $text is a build folder" ;;
		# Installed by make install with the README's prefixes or the
		# default /usr/local, made by systemd-tmpfiles, or made by
		# scripts/demo at run time.
		/usr|/etc|/var|/usr/sbin/mewsd|/usr/bin/mews-sim|/usr/share/mews/*|\
		/usr/local/*|/etc/mews|/etc/mews/*|/var/lib/mews|/tmp/mews-demo|\
		/tmp/mews-demo/*)
			ok "$at: $text is installed or made at run time" ;;
		# Examples of the user's own machine: a serial port, davfs2's
		# certificate folder, a mount point.
		/dev/ttyUSB*|/etc/davfs2/*|/mnt/mews)
			ok "$at: $text is an example of the user's machine" ;;
		/*)
			not_ok "$at: $text: neither installed by mews nor an example this test knows" ;;
		*)
			if [ -e "$top_srcdir/$text" ]; then
				ok "$at: $text exists"
				continue
			fi
			# modules/profiles/NAME.conf, profiles/*.conf: a file
			# in its place.
			glob=$(printf '%s' "$text" | sed 's/[A-Z][A-Z0-9_]*/*/g')
			set +f
			# shellcheck disable=SC2086
			set -- "$top_srcdir"/$glob
			set -f
			if [ -e "$1" ]; then
				ok "$at: $text names files that exist ($glob)"
			else
				not_ok "$at: $text does not exist in $top_srcdir"
			fi ;;
		esac
		;;
	bare)
		npath=$((npath + 1))
		if [ -n "$dir" ]; then
			check "$at: $text exists in $dir" test -e "$top_srcdir/$dir$text"
		else
			check "$at: $text exists in the tree" \
			    grep -qxF -- "$text" "$TMP/basenames"
		fi
		;;
	prog)
		# shellcheck disable=SC2016 # the inner sh expands it
		check "$at: $text is a test program (test/*/$text.c or .sh)" \
		    sh -c 'grep -qxE "$1\.(c|sh)" "$2"' _ "$text" "$TMP/basenames"
		;;
	esac
done <"$TMP/records"
set +f

# An extraction that found nothing would pass vacuously.
check "the README's commands were found ($ncmd)" [ "$ncmd" -gt 10 ]
check "the README's paths were found ($npath)" [ "$npath" -gt 20 ]
done_testing
