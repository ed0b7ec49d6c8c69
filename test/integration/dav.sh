#!/bin/sh
# The WebDAV network drive (issue 7): the read-only share of state_dir/csv
# at https://HOST/dav/, driven by curl, by Python's http.client and
# xml.etree (dav.py: multistatus checked against the disk, keep-alive,
# pipelining) and by Debian's cadaver.  Logins are profile and PIN over
# Basic auth, sharing the web login's lockout and back-off: the sections
# that fail on purpose come last, the back-off itself at the very end.
#
# The files are put in state_dir/csv by the test (a folder of 600 files,
# a 3 MB file, odd names, a symbolic link out, a temporary file), so the
# share is checked on more than a young history would have written.
. "$(dirname "$0")/web_lib.sh"
have_module "ssl, xml.etree.ElementTree" ||
    need "no Python module ssl or xml.etree" python3
have cadaver || need "no cadaver" cadaver
have script || need "no script" bsdutils

web_up
CSV="$STATE/csv"
HDR="$TMP/headers"
BIG=bulk/day
ODD="dev ü/a&b"

# dav CURL_ARGS...: a request with the current credentials ($CRED);
# STATUS, BODY (also in $TMP/body) and $HDR.
CRED=""
dav() {
	: >"$TMP/body"
	STATUS=$(curl -sS --max-time 20 --cacert "$STATE/tls/cert.pem" \
	    --resolve "$HOST:$HTTPS_PORT:127.0.0.1" ${CRED:+-u "$CRED"} \
	    -D "$HDR" -o "$TMP/body" -w '%{http_code}' "$@" 2>/dev/null)
	BODY=$(cat "$TMP/body" 2>/dev/null)
}

header() {
	grep -i "^$1:" "$HDR" 2>/dev/null | head -n 1 | sed 's/^[^:]*: *//' |
	    tr -d '\r'
}

# is DESCRIPTION WANT_STATUS [SHELL_TEST]: the last answer's status.
is() {
	if [ "$STATUS" = "$2" ] && { [ -z "${3:-}" ] || eval "$3"; }; then
		ok "$1"
	else
		not_ok "$1 (HTTP $STATUS, wanted $2${3:+ and $3}: $(printf '%s' "$BODY" | head -c 300))"
	fi
}

# The test's files as they are: names, sizes, times and contents (the
# daemon's own may be written meanwhile).
tree_sum() { (cd "$CSV" && find meter bulk "dev ü" -print0 | sort -z | xargs -0 ls -ld --time-style=+%s | awk '{ print $1, $5, $6, $7 }'; find meter bulk "dev ü" -type f -print0 | sort -z | xargs -0 md5sum) 2>/dev/null | md5sum; }

# --- The files ---------------------------------------------------------------
mkdir -p "$CSV/$BIG" "$CSV/meter/day" "$CSV/$ODD" "$TMP/outside"
/usr/bin/python3 - "$CSV" <<'PY'
import os, sys
csv = sys.argv[1]
with open(os.path.join(csv, "meter/day/2001-02-03.csv"), "w") as f:
    f.write("time;energy_import (kWh);power (W)\n")
    for i in range(60000):
        f.write("2026-11-24 %02d:%02d;%d,%03d;%d\n" % (i // 60 % 24, i % 60,
                7978 + i // 1000, i % 1000, 1000 + i % 977))
for i in range(600):
    with open(os.path.join(csv, "bulk/day/2025-%04d.csv" % i), "w") as f:
        f.write("time;power (W)\n" + "x;%d\n" % i * (i % 7))
for name in ("a b.csv", "ü & <é>.csv", "100%.csv"):
    with open(os.path.join(csv, "dev ü/a&b", name), "w") as f:
        f.write("name;%s\n" % name)
PY
echo "secret" >"$TMP/outside/secret.csv"
ln -s "$TMP/outside/secret.csv" "$CSV/meter/day/link.csv"
ln -s "$TMP/outside" "$CSV/meter/out"
echo "half" >"$CSV/meter/day/2001-02-03.csv.Xy12Ab"
echo "hidden" >"$CSV/meter/day/.hidden.csv"
FILE="$CSV/meter/day/2001-02-03.csv"
SIZE=$(stat -c %s "$FILE")
diag "a $SIZE-byte file, 600 in one folder"

# --- Without a login ---------------------------------------------------------
dav -X OPTIONS "$URL/dav/"
is "OPTIONS /dav/ needs no login: 200" 200
check "OPTIONS says DAV: 1" [ "$(header DAV)" = 1 ]
check "OPTIONS allows the read-only methods: $(header Allow)" \
    [ "$(header Allow)" = "OPTIONS, GET, HEAD, PROPFIND" ]
check "OPTIONS says MS-Author-Via: DAV" [ "$(header MS-Author-Via)" = DAV ]
dav -X OPTIONS "$URL/"
is "OPTIONS / (the clients' first probe) says DAV: 1" 200 \
    '[ "$(header DAV)" = 1 ]'
dav -X PROPFIND -H "Depth: 0" "$URL/dav/"
is "PROPFIND without credentials: 401" 401
check "401 asks for Basic in realm mews" sh -c \
    'printf "%s" "$1" | grep -q "^Basic realm=\"mews\""' - \
    "$(header WWW-Authenticate)"
check "the security headers are on DAV answers" \
    [ "$(header X-Content-Type-Options)" = nosniff -a \
    -n "$(header Strict-Transport-Security)" -a \
    "$(header X-Frame-Options)" = DENY ]
dav "$URL/dav/meter/day/2001-02-03.csv"
is "GET without credentials: 401" 401
CRED="user:11111"
dav -X PROPFIND -H "Depth: 0" "$URL/dav/"
is "a profile on its default PIN: 403 saying to change it" 403 \
    'printf "%s" "$BODY" | grep -q "default PIN"'
dav -X PROPFIND -H "Depth: 0" -u "nobody:12345" "$URL/dav/"
is "a user name that is no profile: 401" 401

check "the user is commissioned" commission user 11111 24680
check "the installer is commissioned" commission installer 55555 13579
CRED="user:24680"

# --- PROPFIND ----------------------------------------------------------------
dav -X PROPFIND -H "Depth: 0" "$URL/dav/"
is "PROPFIND Depth 0 /dav/: 207 multistatus" 207 \
    '[ "$(header Content-Type)" = "application/xml; charset=utf-8" ]'
dav -X PROPFIND -H "Depth: 0" "$URL/dav"
is "PROPFIND /dav without its slash: the href has it" 207 \
    'printf "%s" "$BODY" | grep -q "<D:href>/dav/</D:href>"'
dav -X PROPFIND -H "Depth: 1" "$URL/dav/"
is "PROPFIND Depth 1 /dav/ lists the devices' folders" 207 \
    'printf "%s" "$BODY" | grep -q "<D:href>/dav/meter/</D:href>" &&
    printf "%s" "$BODY" | grep -q "<D:href>/dav/bulk/</D:href>"'
dav -X PROPFIND -H "Depth: 1" "$URL/dav/meter/day/"
is "hidden, temporary and linked names are not listed" 207 \
    '! printf "%s" "$BODY" | grep -Eq "link.csv|Xy12Ab|hidden|/out/"'
dav -X PROPFIND -H "Depth: 1" "$URL/"
is "PROPFIND / (a probe) shows / holding /dav/" 207 \
    'printf "%s" "$BODY" | grep -q "<D:href>/</D:href>" &&
    printf "%s" "$BODY" | grep -q "<D:href>/dav/</D:href>"'
dav -X PROPFIND -H "Depth: infinity" "$URL/dav/"
is "Depth infinity: 403 propfind-finite-depth" 403 \
    'printf "%s" "$BODY" | grep -q "propfind-finite-depth"'
dav -X PROPFIND "$URL/dav/"
is "no Depth (infinity): 403 propfind-finite-depth" 403 \
    'printf "%s" "$BODY" | grep -q "propfind-finite-depth"'
dav -X PROPFIND -H "Depth: 0" --data '<propfind xmlns="DAV:"><prop>' \
    "$URL/dav/"
is "a truncated body: 400 saying so" 400 \
    'printf "%s" "$BODY" | grep -q "PROPFIND body"'
dav -X PROPFIND -H "Depth: 0" --data '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><propfind xmlns="DAV:"><allprop/></propfind>' \
    "$URL/dav/"
is "a DOCTYPE (entities): 400" 400
dav -X PROPFIND -H "Depth: 0" --data '<propfind xmlns="urn:x"><allprop/></propfind>' \
    "$URL/dav/"
is "a root that is not DAV:propfind: 400" 400
dav -X PROPFIND -H "Depth: 1" "$URL/dav/nonesuch/"
is "PROPFIND of a missing folder: 404" 404

/usr/bin/python3 "$top_srcdir/test/integration/dav.py" "$HOST" \
    "$HTTPS_PORT" "$STATE/tls/cert.pem" user 24680 "$CSV" "$BIG" "$ODD" \
    >"$TMP/dav.out" 2>&1
while IFS= read -r line; do
	case $line in
	"PASS "*) ok "${line#PASS }" ;;
	"FAIL "*) not_ok "${line#FAIL }" ;;
	*) diag "$line" ;;
	esac
done <"$TMP/dav.out"

# --- GET and HEAD ------------------------------------------------------------
dav "$URL/dav/meter/day/2001-02-03.csv"
is "GET a $SIZE-byte file: 200" 200
check "the download is byte for byte the file" cmp -s "$TMP/body" "$FILE"
check "it is text/csv" [ "$(header Content-Type)" = "text/csv; charset=utf-8" ]
check "it says Accept-Ranges: bytes" [ "$(header Accept-Ranges)" = bytes ]
ETAG=$(header ETag)
LASTMOD=$(header Last-Modified)
dav -I "$URL/dav/meter/day/2001-02-03.csv"
is "HEAD: 200, Content-Length the size, no body (headers only)" 200 \
    '[ "$(header Content-Length)" = "$SIZE" ] && cmp -s "$HDR" "$TMP/body"'
check "HEAD has the same ETag as GET" [ "$(header ETag)" = "$ETAG" ]
dav -H "If-None-Match: $ETAG" "$URL/dav/meter/day/2001-02-03.csv"
is "If-None-Match with its ETag: 304" 304
dav -H "If-Modified-Since: $LASTMOD" \
    "$URL/dav/meter/day/2001-02-03.csv"
is "If-Modified-Since its Last-Modified: 304" 304
dav -H "If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT" \
    "$URL/dav/meter/day/2001-02-03.csv"
is "If-Modified-Since an older date: 200" 200
dav -r 1000-1999 "$URL/dav/meter/day/2001-02-03.csv"
is "Range bytes=1000-1999: 206" 206 \
    '[ "$(header Content-Range)" = "bytes 1000-1999/$SIZE" ]'
check "the range is those bytes of the file" sh -c \
    'tail -c +1001 "$1" | head -c 1000 | cmp -s - "$2"' - "$FILE" "$TMP/body"
dav -r -100 "$URL/dav/meter/day/2001-02-03.csv"
is "Range bytes=-100: the last 100 bytes" 206 \
    '[ "$(header Content-Range)" = "bytes $((SIZE - 100))-$((SIZE - 1))/$SIZE" ] &&
    tail -c 100 "$FILE" | cmp -s - "$TMP/body"'
dav -r "$((SIZE - 10))-" "$URL/dav/meter/day/2001-02-03.csv"
is "Range bytes=N-: to the end" 206 \
    'tail -c 10 "$FILE" | cmp -s - "$TMP/body"'
dav -r "$SIZE-" "$URL/dav/meter/day/2001-02-03.csv"
is "a range past the end: 416 with Content-Range bytes */size" 416 \
    '[ "$(header Content-Range)" = "bytes */$SIZE" ]'
dav -r 0-9,20-29 "$URL/dav/meter/day/2001-02-03.csv"
is "two ranges at once: the whole file, 200" 200 \
    'cmp -s "$TMP/body" "$FILE"'
dav -r 0-9 -H 'If-Range: "stale"' "$URL/dav/meter/day/2001-02-03.csv"
is "a range with a stale If-Range: the whole file, 200" 200
dav -I -r 0-9 "$URL/dav/meter/day/2001-02-03.csv"
is "HEAD with a range: 206, Content-Length 10" 206 \
    '[ "$(header Content-Length)" = 10 ]'
dav "$URL/"
is "GET / is still the web pages" 200 \
    'printf "%s" "$BODY" | grep -qi "<html"'

# --- Nothing is written, nothing escapes -------------------------------------
before=$(tree_sum)
for m in PUT DELETE MKCOL COPY MOVE PROPPATCH LOCK UNLOCK POST; do
	case $m in
	PUT) dav -T "$CSV/bulk/day/2025-0001.csv" \
	    "$URL/dav/meter/day/new.csv" ;;
	COPY|MOVE) dav -X "$m" -H "Destination: $URL/dav/meter/day/x.csv" \
	    "$URL/dav/meter/day/2001-02-03.csv" ;;
	PROPPATCH|LOCK) dav -X "$m" --data '<?xml version="1.0"?><x/>' \
	    "$URL/dav/meter/day/2001-02-03.csv" ;;
	*) dav -X "$m" "$URL/dav/meter/day/2001-02-03.csv" ;;
	esac
	is "$m: 403 read-only" 403
done
check "the files are untouched" [ "$(tree_sum)" = "$before" ]
dav -X PROPFIND -H "Depth: 0" "$URL/api/login"
is "PROPFIND elsewhere than /dav/ is not a POST: 405" 405
for p in "/dav/../profiles.conf" "/dav/%2e%2e/profiles.conf" \
    "/dav/meter/..%2f..%2fprofiles.conf" "/dav/meter/day/link.csv" \
    "/dav/meter/out/secret.csv" "/dav/meter/day/.hidden.csv" \
    "/dav/meter/day/2001-02-03.csv.Xy12Ab" \
    "/dav/meter/day/2001-02-03.csv/" "/dav/tls/key.pem" \
    "/dav/$(head -c 300 /dev/zero | tr '\0' a).csv"; do
	dav --path-as-is "$URL$p"
	is "GET $(printf '%s' "$p" | cut -c 1-48): refused" 404 \
	    '! grep -q secret "$TMP/body"'
done
dav --path-as-is "$URL/dav/meter/day/2001-02-03.csv%00.txt"
check "a NUL in the path: refused (HTTP $STATUS)" \
    [ "$STATUS" = 400 -o "$STATUS" = 404 ]

# --- cadaver -----------------------------------------------------------------
# Credentials from ~/.netrc in a HOME of its own; it accepts an untrusted
# certificate only when asked on a terminal: script(1) gives it one, and
# the "y" is the first line of input.
home="$TMP/cadaver-home"
mkdir -p "$home"
printf 'machine 127.0.0.1\nlogin user\npassword 24680\n' >"$home/.netrc"
chmod 600 "$home/.netrc"
printf 'y\nls\ncd meter/day\nls\nget 2001-02-03.csv\nquit\n' |
    (cd "$home" && HOME="$home" TERM=dumb timeout 60 script -qec \
    "cadaver https://127.0.0.1:$HTTPS_PORT/dav/" /dev/null) \
    >"$TMP/cadaver.out" 2>&1
tr -d '\r' <"$TMP/cadaver.out" >"$TMP/cadaver.txt"
check "cadaver lists /dav/ (meter, bulk)" sh -c \
    'grep -q "Coll: *meter" "$1" && grep -q "Coll: *bulk" "$1"' - \
    "$TMP/cadaver.txt"
check "cadaver cd meter/day and ls shows the file and its size" \
    grep -Eq "2001-02-03.csv +$SIZE " "$TMP/cadaver.txt"
check "cadaver's get is byte for byte the file" \
    cmp -s "$home/2001-02-03.csv" "$FILE"
grep -q . "$home/2001-02-03.csv" 2>/dev/null ||
    sed 's/^/# /' "$TMP/cadaver.txt" | tail -n 20

# --- Lockout, PIN changes and the back-off (they count failures) -------------
check "the administrator is commissioned" commission administrator 99999 97531
dav -I "$URL/dav/meter/day/2001-02-03.csv"
is "a HEAD with the user's PIN (verified, remembered)" 200
JAR="$TMP/jar.admin"
login administrator 97531
call POST /api/profiles/user '{"new_pin":"86420"}'
check "the administrator sets the user's PIN (HTTP $STATUS)" [ "$STATUS" = 200 ]
dav -I "$URL/dav/meter/day/2001-02-03.csv"
is "the old PIN, remembered a moment ago, is refused at once: 401" 401
CRED="user:86420"
dav -I "$URL/dav/meter/day/2001-02-03.csv"
is "the new PIN works" 200
CRED="installer:00000"
dav -X PROPFIND -H "Depth: 0" "$URL/dav/"
is "a wrong PIN: 401 with the tries left" 401 \
    'printf "%s" "$BODY" | grep -q "2 tries left"'
dav -X PROPFIND -H "Depth: 0" "$URL/dav/"
is "the second: 1 try left (not 1 tries)" 401 \
    'printf "%s" "$BODY" | grep -q "1 try left"'
dav -X PROPFIND -H "Depth: 0" "$URL/dav/"
is "the third wrong PIN locks the profile: 423" 423 \
    'printf "%s" "$BODY" | grep -q "PUK"'
CRED="installer:13579"
dav -X PROPFIND -H "Depth: 0" "$URL/dav/"
is "the right PIN of a locked profile: 423" 423
JAR="$TMP/jar.installer"
call POST /api/login '{"profile":"installer","pin":"13579"}'
check "the web login is locked too (HTTP $STATUS)" [ "$STATUS" = 423 ]
call POST /api/unlock "{\"profile\":\"installer\",\"puk\":\"$(puk_of installer)\",\"new_pin\":\"11223\"}"
check "its PUK, made when it was commissioned, unlocks it in the web pages (HTTP $STATUS)" \
    [ "$STATUS" = 200 ]
CRED="installer:11223"
dav -I "$URL/dav/meter/day/2001-02-03.csv"
is "and the share opens with the new PIN" 200
# Ten failures from one address within five minutes back it off (the
# last success cleared its record): here a user name that is no profile.
n=0
CRED="nobody:00000"
while [ $n -lt 10 ]; do
	dav -I "$URL/dav/"
	[ "$STATUS" = 401 ] || break
	n=$((n + 1))
done
check "ten failures from this address, each a 401 ($n)" [ "$n" = 10 ]
CRED="user:86420"
dav -I "$URL/dav/meter/day/2001-02-03.csv"
is "then even the right PIN gets 429 and Retry-After" 429 \
    '[ "$(header Retry-After)" -gt 0 ]'
call POST /api/login '{"profile":"user","pin":"86420"}'
check "and so does the web login: the back-off is shared (HTTP $STATUS)" \
    [ "$STATUS" = 429 ]

check "mewsd is still running" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
