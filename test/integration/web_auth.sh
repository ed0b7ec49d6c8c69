#!/bin/sh
# Logging in to the web server and keeping strangers out: default and
# changed PINs, the PIN lockout and the PUK (only for a locked profile:
# the security issue's attack replayed), the seed PUKs dying with the
# default PINs, PUKs made or typed at the first PIN change and set by the
# administrator, `mewsd --reset-profile` (which prints a new PUK), the
# per-address back-off, session cookies, CSRF, security headers, TLS, the
# plain-port redirect, size limits, bad input and path traversal.  Wrong
# PUKs from one address and the right one from another:
# web_puk_backoff.sh.
#
# Curls come from 127.0.0.1, and the back-off counts failures per address
# (10 within 5 minutes, any profile; a success clears them): the sections
# that fail on purpose come last, a success between their batches, and the
# back-off itself is the very end.  Wrong PUKs count against their address
# for a day, and a success clears nothing: each section gives its PUKs
# from a loopback address of its own (CLIENT_ADDR).
. "$(dirname "$0")/web_lib.sh"
have openssl || need "no openssl" openssl

web_up
ORIGIN="https://$HOST:$HTTPS_PORT"
HDR="$TMP/headers"

# hcall METHOD PATH [JSON [CURL_ARGS...]]: call, the answer's headers in
# $HDR too.
hcall() {
	local method=$1 path=$2 data=${3:-}
	[ $# -ge 3 ] && shift 3 || shift $#
	if [ -n "$data" ]; then
		STATUS=$(web -D "$HDR" -o "$TMP/body" -w '%{http_code}' \
		    -X "$method" -H 'X-Requested-With: mews' \
		    -H 'Content-Type: application/json' --data "$data" "$@" \
		    "$URL$path")
	else
		STATUS=$(web -D "$HDR" -o "$TMP/body" -w '%{http_code}' \
		    -X "$method" -H 'X-Requested-With: mews' "$@" "$URL$path")
	fi
	BODY=$(cat "$TMP/body" 2>/dev/null)
}

# raw CURL_ARGS... URL_PATH: no cookie jar, nothing added; STATUS, BODY
# and $HDR.
raw() {
	: >"$TMP/body"
	STATUS=$(curl -sS --max-time 10 --cacert "$STATE/tls/cert.pem" \
	    --resolve "$HOST:$HTTPS_PORT:127.0.0.1" -D "$HDR" \
	    -o "$TMP/body" -w '%{http_code}' "$@" 2>/dev/null)
	BODY=$(cat "$TMP/body" 2>/dev/null)
}

# header NAME: its value in the last answer, without the CR.
header() {
	grep -i "^$1:" "$HDR" 2>/dev/null | head -n 1 | sed 's/^[^:]*: *//' |
	    tr -d '\r'
}

# The session token in the current jar.
token() { awk '$6 == "mews_session" { print $7 }' "$JAR" 2>/dev/null; }

# is STATUS in the list?
status_in() {
	local s
	for s in "$@"; do [ "$STATUS" = "$s" ] && return 0; done
	return 1
}

# jcheck DESCRIPTION WANT_STATUS JQ_TEST: status and a jq test of the body.
jcheck() {
	if [ "$STATUS" = "$2" ] && [ "$(json "$3" 2>/dev/null)" = true ]; then
		ok "$1"
	else
		not_ok "$1 (HTTP $STATUS, wanted $2 and $3: $BODY)"
	fi
}

profiles_file="$STATE/profiles.conf"

# --- 1. First login and the default PIN ------------------------------------
JAR="$TMP/jar.installer"
rm -f "$JAR"
hcall POST /api/login '{"profile":"installer","pin":"55555"}'
jcheck "default PIN logs in, must_change_pin true" 200 \
    '.must_change_pin == true and .profile == "installer"'
setc=$(header Set-Cookie)
case $setc in
mews_session=*) ok "the session cookie is mews_session" ;;
*) not_ok "the session cookie is mews_session (Set-Cookie: $setc)" ;;
esac
for attr in Secure HttpOnly SameSite=Strict Path=/; do
	if printf '%s\n' "$setc" | tr ';' '\n' | sed 's/^ *//' |
	    grep -qx "$attr"; then
		ok "the session cookie has $attr"
	else
		not_ok "the session cookie has $attr (Set-Cookie: $setc)"
	fi
done
old_token=$(token)
check "the token is 64 lower-case hex digits" \
    sh -c 'printf "%s" "$1" | grep -qx "[0-9a-f]\{64\}"' - "$old_token"

call POST /api/devices '{"id":"x1","name":"X","bus":"rs485","address":7,"profile":"sdm120","poll_ms":500}'
jcheck "on the default PIN a change is refused: 403 must_change_pin" 403 \
    '.must_change_pin == true and (.error | type) == "string"'
expect "on the default PIN a GET is allowed" 200 GET /api/devices
call POST /api/pin '{"pin":"55555","new_pin":"55555"}'
jcheck "the default PIN as new PIN: 400 field new_pin" 400 \
    '.field == "new_pin"'
call POST /api/pin '{"pin":"55555","new_pin":"1234"}'
jcheck "a 4-digit new PIN: 400 field new_pin" 400 '.field == "new_pin"'
call POST /api/pin '{"pin":"55555","new_pin":"123456"}'
jcheck "a 6-digit new PIN: 400 field new_pin" 400 '.field == "new_pin"'
call POST /api/pin '{"pin":"55555","new_pin":"12a45"}'
jcheck "a new PIN with a letter: 400 field new_pin" 400 '.field == "new_pin"'
call GET /api/session
jcheck "the session says the PUK is still the seed's" 200 '.default_puk == true'
for bad in '"1234567890123"' '"123456789012345"' '"1234567890123a"' \
    '"00000 5555 00000"' '"00000555500000"' '12345678901234' '""'; do
	call POST /api/pin "{\"pin\":\"55555\",\"new_pin\":\"24680\",\"new_puk\":$bad}"
	jcheck "the first PIN change with new_puk $bad: 400 field new_puk" 400 \
	    '.field == "new_puk"'
done
call GET /api/session
jcheck "... and nothing changed: still the default PIN and PUK" 200 \
    '.must_change_pin == true and .default_puk == true'
cp "$JAR" "$TMP/jar.installer.old"
# The person types a PUK, grouped as they like: it is theirs, not shown back.
INSTALLER_PUK="13579 0246 81357"
hcall POST /api/pin "{\"pin\":\"55555\",\"new_pin\":\"24680\",\"new_puk\":\"1357902 4681357\"}"
jcheck "the PIN and a typed PUK are set: 200, must_change_pin and default_puk false, no new_puk" \
    200 '.must_change_pin == false and .default_puk == false and .new_puk == null'
new_token=$(token)
case $(header Set-Cookie) in
"mews_session=$new_token;"*)
	check "the change gives a new session cookie" \
	    [ -n "$new_token" -a "$new_token" != "$old_token" ] ;;
*) not_ok "the change gives a new session cookie ($(header Set-Cookie))" ;;
esac
JAR="$TMP/jar.installer.old"
expect "the session from before the change is gone: 401" 401 GET /api/session
JAR="$TMP/jar.installer"
call GET /api/session
jcheck "the new session works, PIN no longer default" 200 \
    '.must_change_pin == false and .profile == "installer"'
call POST /api/pin '{"pin":"24680","new_pin":"24680","new_puk":"generate"}'
jcheck "past the first PIN change a profile cannot set its PUK: 400 field new_puk" \
    400 '.field == "new_puk"'
call POST /api/devices '{}'
check "after the change a POST reaches its handler (HTTP $STATUS)" \
    [ "$STATUS" = 400 ]
check "profiles.conf is mode 0600" \
    [ "$(stat -c %a "$profiles_file")" = 600 ]
check "profiles.conf holds PBKDF2 hashes" \
    grep -q 'pbkdf2-sha256\$' "$profiles_file"
check "profiles.conf holds no PIN in clear" \
    sh -c '! grep -Eq "\"(24680|55555|99999|11111)\"" "$1"' - "$profiles_file"
check "profiles.conf holds no PUK in clear" \
    sh -c '! grep -Eq "00000(5555|9999|1111)00000|13579024681357" "$1"' - \
    "$profiles_file"
call POST /api/pin '{"pin":"13579","new_pin":"97531"}'
jcheck "a wrong old PIN on /api/pin: 401 attempts_left 2" 401 \
    '.attempts_left == 2'
# Resets the installer's failure count and the address's record.
check "the installer logs in with the new PIN" login installer 24680

# --- 5. Cookies ------------------------------------------------------------
forged=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
raw -H "Cookie: mews_session=$forged" "$URL/api/session"
check "a forged 64-hex cookie: 401 (HTTP $STATUS)" [ "$STATUS" = 401 ]
raw -H "Cookie: mews_session=abc123" "$URL/api/session"
check "a short cookie: 401 (HTTP $STATUS)" [ "$STATUS" = 401 ]
raw -H "Cookie: mews_session=$(printf %64s | tr ' ' g)" "$URL/api/session"
check "a non-hex cookie: 401 (HTTP $STATUS)" [ "$STATUS" = 401 ]
good=$(token)
raw -H "Cookie: mews_session=$(printf %s "$good" | tr a-f A-F)" \
    "$URL/api/session"
check "the real token in upper case: 401 (HTTP $STATUS)" [ "$STATUS" = 401 ]
raw -H "Cookie: mews_session=${good}0" "$URL/api/session"
check "the real token with a digit more: 401 (HTTP $STATUS)" \
    [ "$STATUS" = 401 ]
forged2=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
raw -H "Cookie: mews_session=$forged; mews_session=$forged2" \
    "$URL/api/session"
check "two forged cookies: 401 (HTTP $STATUS)" [ "$STATUS" = 401 ]
raw "$URL/api/session"
check "no cookie: 401 (HTTP $STATUS)" [ "$STATUS" = 401 ]
raw -H "Cookie: other=1; mews_session=$good; x=y" "$URL/api/session"
check "the real token among other cookies: 200 (HTTP $STATUS)" \
    [ "$STATUS" = 200 ]
call GET /api/session
jcheck "GET /api/session gives the idle timeout (default 900 s)" 200 \
    '.idle_timeout_s == 900'
hcall POST /api/logout
check "logout: 200 (HTTP $STATUS)" [ "$STATUS" = 200 ]
case $(header Set-Cookie) in
"mews_session=;"*Max-Age=0*) ok "logout clears the cookie" ;;
*) not_ok "logout clears the cookie ($(header Set-Cookie))" ;;
esac
raw -H "Cookie: mews_session=$good" "$URL/api/session"
check "the logged-out token: 401 (HTTP $STATUS)" [ "$STATUS" = 401 ]

# Real expiry needs 60 s at least (the smallest idle timeout): too long
# here.  What is checked is that no shorter one can be configured.
CONF_RUN=$CONF
CONF="$TMP/t.conf"
check_conf() {	# DESCRIPTION WANT(ok|error) HTTP_SETTINGS
	write_conf "$3"
	"$MEWSD" -t -c "$CONF" >"$TMP/t.out" 2>&1; rc=$?
	if [ "$2" = ok ]; then
		check "$1 (exit $rc)" [ "$rc" = 0 ]
	else
		check "$1 (exit $rc)" sh -c '[ "$1" != 0 ] &&
		    grep -q session_ "$2"' - "$rc" "$TMP/t.out"
	fi
}
check_conf "mewsd -t refuses session_idle_s = 10" error "session_idle_s = 10;"
check_conf "mewsd -t refuses session_idle_s = 59" error "session_idle_s = 59;"
check_conf "mewsd -t accepts session_idle_s = 60" ok "session_idle_s = 60;"
check_conf "mewsd -t refuses session_max_s = 100" error "session_max_s = 100;"
check_conf "mewsd -t refuses session_max_s = 299" error "session_max_s = 299;"
check_conf "mewsd -t refuses session_idle_s above session_max_s" error \
    "session_idle_s = 3600; session_max_s = 600;"
check_conf "mewsd -t accepts idle 60 and max 300" ok \
    "session_idle_s = 60; session_max_s = 300;"
CONF=$CONF_RUN

# --- 6. CSRF ---------------------------------------------------------------
check "the installer logs in again" login installer 24680
STATUS=$(web -o "$TMP/body" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' --data '{}' "$URL/api/devices")
BODY=$(cat "$TMP/body")
jcheck "a POST without X-Requested-With: 403" 403 '(.error | type) == "string"'
STATUS=$(web -o "$TMP/body" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' --data \
    '{"profile":"installer","pin":"24680"}' "$URL/api/login")
check "a login without X-Requested-With: 403 (HTTP $STATUS)" \
    [ "$STATUS" = 403 ]
call GET /api/session
check "... and the session is still there (HTTP $STATUS)" [ "$STATUS" = 200 ]
hcall POST /api/devices '{}' -H 'Origin: https://evil.example'
check "a POST from Origin https://evil.example: 403 (HTTP $STATUS)" \
    [ "$STATUS" = 403 ]
hcall POST /api/devices '{}' -H "Origin: $ORIGIN.evil.example"
check "a POST from an origin that only starts like ours: 403 (HTTP $STATUS)" \
    [ "$STATUS" = 403 ]
hcall POST /api/devices '{}' -H "Origin: http://$HOST:$HTTPS_PORT"
check "a POST from our host over http: 403 (HTTP $STATUS)" [ "$STATUS" = 403 ]
hcall POST /api/devices '{}' -H 'Origin: null'
check "a POST from Origin null: 403 (HTTP $STATUS)" [ "$STATUS" = 403 ]
hcall DELETE /api/devices/main "" -H 'Origin: https://evil.example'
check "a DELETE from a foreign origin: 403 (HTTP $STATUS)" [ "$STATUS" = 403 ]
call GET /api/devices/main
check "... and the device is still there (HTTP $STATUS)" [ "$STATUS" = 200 ]
hcall POST /api/devices '{}' -H "Origin: $ORIGIN"
jcheck "a POST from our own origin reaches its handler" 400 \
    '(.error | type) == "string"'
hcall POST /api/logout "" -H 'Origin: https://evil.example'
check "a logout from a foreign origin: 403 (HTTP $STATUS)" [ "$STATUS" = 403 ]

# --- 7. Security headers ---------------------------------------------------
# sec_headers WHAT API(1|0): the headers of the last answer in $HDR.
sec_headers() {
	local csp
	case $(header Strict-Transport-Security) in
	*max-age=[1-9]*) ok "$1: Strict-Transport-Security" ;;
	*) not_ok "$1: Strict-Transport-Security ($(header Strict-Transport-Security))" ;;
	esac
	csp=$(header Content-Security-Policy)
	case $csp in
	"") not_ok "$1: Content-Security-Policy" ;;
	*unsafe-inline* | *unsafe-eval*)
		not_ok "$1: Content-Security-Policy without unsafe-* ($csp)" ;;
	*) ok "$1: Content-Security-Policy without unsafe-*" ;;
	esac
	check "$1: X-Content-Type-Options: nosniff" \
	    [ "$(header X-Content-Type-Options)" = nosniff ]
	if [ "$2" = 1 ]; then
		case $(header Cache-Control) in
		*no-store*) ok "$1: Cache-Control: no-store" ;;
		*) not_ok "$1: Cache-Control: no-store ($(header Cache-Control))" ;;
		esac
	fi
}
hcall GET /api/status
sec_headers "GET /api/status ($STATUS)" 1
raw "$URL/api/session"
sec_headers "a 401 ($STATUS)" 1
raw "$URL/api/nothing/here"
sec_headers "an API 404 ($STATUS)" 1
hcall POST /api/login '{"profile":"nobody","pin":"12345"}'
sec_headers "a 400 on login ($STATUS)" 1
raw "$URL/"
sec_headers "GET / ($STATUS)" 0
raw "$URL/style.css"
sec_headers "GET /style.css ($STATUS)" 0
raw "$URL/no-such-page.html"
sec_headers "a static 404 ($STATUS)" 0

# --- 8. TLS ----------------------------------------------------------------
raw --tlsv1.2 --tls-max 1.2 "$URL/"
check "TLS 1.2 is accepted (HTTP $STATUS)" [ "$STATUS" = 200 ]
raw --tlsv1.3 "$URL/"
check "TLS 1.3 is accepted (HTTP $STATUS)" [ "$STATUS" = 200 ]
# SECLEVEL=0: the refusal must come from the server, not from our client.
for v in tls1_1 tls1; do
	out=$(openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -"$v" \
	    -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>&1); rc=$?
	if [ "$rc" != 0 ] && printf '%s' "$out" | grep -q 'Cipher is (NONE)'; then
		ok "$v is refused"
	else
		not_ok "$v is refused (rc $rc)"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/# /'
	fi
done
# TLS 1.2 with forward secrecy and AEAD only: CBC, static-key and
# anonymous suites are refused by the server.
tls12() {
	openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -tls1_2 \
	    -cipher "$1:@SECLEVEL=0" </dev/null 2>&1
}
for c in ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES256-SHA384 AES128-SHA \
    AES256-GCM-SHA384 ECDHE-ECDSA-NULL-SHA ADH-AES128-GCM-SHA256; do
	if tls12 "$c" | grep -q 'Cipher is (NONE)'; then
		ok "TLS 1.2 with $c is refused"
	else
		not_ok "TLS 1.2 with $c is refused"
	fi
done
for c in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-CHACHA20-POLY1305; do
	check "TLS 1.2 with $c is accepted" \
	    sh -c "printf '%s' \"\$1\" | grep -q 'Cipher is $c'" - "$(tls12 "$c")"
done
certtext=$(openssl x509 -in "$STATE/tls/cert.pem" -noout -text)
check "the certificate's key is EC" \
    sh -c 'printf "%s" "$1" | grep -q id-ecPublicKey' - "$certtext"
check "the certificate's curve is P-256" \
    sh -c 'printf "%s" "$1" | grep -q prime256v1' - "$certtext"
san=$(printf '%s\n' "$certtext" | grep -A1 'Subject Alternative Name' | tail -n 1)
check "the SAN names the host ($HOST)" \
    sh -c 'printf "%s" "$1" | tr "," "\n" | sed "s/^ *//" | grep -qx "DNS:$2"' - "$san" "$HOST"
check "the SAN names 127.0.0.1" \
    sh -c 'printf "%s" "$1" | tr "," "\n" | sed "s/^ *//" | grep -qx "IP Address:127.0.0.1"' - "$san"
check "key.pem is mode 0600" [ "$(stat -c %a "$STATE/tls/key.pem")" = 600 ]
want=$(openssl x509 -in "$STATE/tls/cert.pem" -noout -fingerprint -sha256 |
    sed 's/.*=//')
call GET /api/status
got=$(json .fingerprint)
check "the fingerprint in /api/status is the certificate's ($got)" \
    [ -n "$want" -a "${got#SHA256 }" = "$want" ]

# --- 9. The plain port redirects, and that is all ---------------------------
plain() {	# CURL_ARGS... URL
	: >"$TMP/body"
	STATUS=$(curl -sS --max-time 10 --path-as-is -D "$HDR" \
	    -o "$TMP/body" -w '%{http_code}' "$@" 2>/dev/null)
	BODY=$(cat "$TMP/body" 2>/dev/null)
}
plain "http://127.0.0.1:$HTTP_PORT/some/path?x=1"
check "http://…/some/path?x=1: 301 (HTTP $STATUS)" [ "$STATUS" = 301 ]
check "… Location https://127.0.0.1:$HTTPS_PORT/some/path?x=1 ($(header Location))" \
    [ "$(header Location)" = "https://127.0.0.1:$HTTPS_PORT/some/path?x=1" ]
plain "http://127.0.0.1:$HTTP_PORT/api/status"
check "GET /api/status on the plain port: only a 301 (HTTP $STATUS)" \
    sh -c '[ "$1" = 301 ] && ! grep -q fingerprint "$2"' - "$STATUS" "$TMP/body"
plain "http://127.0.0.1:$HTTP_PORT/index.html"
check "GET /index.html on the plain port: only a 301 (HTTP $STATUS)" \
    sh -c '[ "$1" = 301 ] && ! grep -qi "<html" "$2"' - "$STATUS" "$TMP/body"
plain -X POST -H 'X-Requested-With: mews' -H 'Content-Type: application/json' \
    --data '{"profile":"installer","pin":"24680"}' \
    "http://127.0.0.1:$HTTP_PORT/api/login"
check "a login on the plain port: 301, no session (HTTP $STATUS)" \
    sh -c '[ "$1" = 301 ] && ! grep -qi "^Set-Cookie" "$2"' - "$STATUS" "$HDR"
plain -X PUT --data '{}' "http://127.0.0.1:$HTTP_PORT/api/system"
check "a PUT on the plain port is not served (HTTP $STATUS)" \
    sh -c '[ "$1" != 000 ] && [ "$1" -ge 300 ]' - "$STATUS"
plain -H 'Host: evil.example/x' "http://127.0.0.1:$HTTP_PORT/p"
case $(header Location) in
"https://evil.example/x"*) not_ok "a Host with a slash does not steer the redirect ($(header Location))" ;;
*) ok "a Host with a slash does not steer the redirect ($(header Location))" ;;
esac

# --- 10. Limits and bad input ----------------------------------------------
head -c 100000 /dev/zero | tr '\0' ' ' >"$TMP/big"
printf '{"profile":"installer","pin":"24680"}' >>"$TMP/big"
# With Expect the server answers before the body is sent: the 413 is
# certain.  Without, mewsd closes the connection right after its 413 while
# curl is still sending, and the reset can beat the answer: either is a
# refusal, and the login at the end of the body must not have happened.
STATUS=$(web -o "$TMP/body" -w '%{http_code}' -X POST \
    -H 'X-Requested-With: mews' -H 'Content-Type: application/json' \
    -H 'Expect: 100-continue' \
    --data-binary "@$TMP/big" "$URL/api/login" 2>/dev/null)
check "a 100 KB body: 413 (HTTP $STATUS)" [ "$STATUS" = 413 ]
for how in "" "-H Transfer-Encoding:chunked"; do
	# shellcheck disable=SC2086
	STATUS=$(web -o "$TMP/body" -w '%{http_code}' -X POST \
	    -H 'X-Requested-With: mews' -H 'Content-Type: application/json' \
	    $how --data-binary "@$TMP/big" "$URL/api/login" 2>/dev/null)
	check "a 100 KB body${how:+, chunked,} sent at once: 413 or closed (HTTP $STATUS)" \
	    sh -c 'case $1 in 413|000) exit 0 ;; *) exit 1 ;; esac' - "$STATUS"
done
bigh=$(head -c 9000 /dev/zero | tr '\0' a)
STATUS=$(web -o "$TMP/body" -w '%{http_code}' -H "X-Big: $bigh" \
    "$URL/api/session" 2>/dev/null)
check "headers over 8 KiB: refused (HTTP $STATUS)" \
    sh -c 'case $1 in 000|400|413|431) exit 0 ;; *) exit 1 ;; esac' - "$STATUS"
call GET /api/session
check "... and the daemon still answers (HTTP $STATUS)" [ "$STATUS" = 200 ]
call POST /api/login '{"profile":"installer",'
jcheck "malformed JSON: 400 with an error" 400 '(.error | type) == "string"'
call POST /api/login '["installer","24680"]'
jcheck "a JSON array: 400 with an error" 400 '(.error | type) == "string"'
call POST /api/login '"installer"'
jcheck "a JSON string: 400 with an error" 400 '(.error | type) == "string"'
call POST /api/login '{"profile":"installer","pin":24680}'
jcheck "pin as a number: 400 field pin" 400 '.field == "pin"'
call POST /api/login '{"profile":"installer"}'
jcheck "no pin: 400 field pin" 400 '.field == "pin"'
call POST /api/login '{"profile":7,"pin":"24680"}'
jcheck "profile as a number: 400 field profile" 400 '.field == "profile"'
call POST /api/login '{"profile":"root","pin":"24680"}'
jcheck "an unknown profile: 400 field profile" 400 '.field == "profile"'
call POST /api/login '{"profile":"installer","pin":"24680","pin":"00000"}'
jcheck "a duplicate key: 400" 400 '(.error | type) == "string"'
STATUS=$(web -o "$TMP/body" -w '%{http_code}' -X POST \
    -H 'X-Requested-With: mews' "$URL/api/login")
BODY=$(cat "$TMP/body")
jcheck "an empty body: 400" 400 '(.error | type) == "string"'
for p in '/../../etc/passwd' '/%2e%2e/%2e%2e/etc/passwd' \
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd' '/js/../../mews.conf' \
    '/js/../../../../etc/passwd' '/.hidden' '/index.html%00.js' \
    '/js/..%2f..%2f..%2fetc%2fpasswd' '/..%5c..%5cetc%5cpasswd' \
    '//etc/passwd' '/js/.'; do
	raw --path-as-is "$URL$p"
	if status_in 400 404 && ! grep -q 'root:' "$TMP/body" &&
	    ! grep -q 'state_dir' "$TMP/body"; then
		ok "GET $p: $STATUS, nothing leaked"
	else
		not_ok "GET $p: HTTP $STATUS, wanted 400 or 404 ($(head -c 80 "$TMP/body"))"
	fi
done
raw "$URL/api/no/such/thing"
jcheck "an unknown /api/ path: 404 JSON" 404 '(.error | type) == "string"'
case $(header Content-Type) in
application/json*) ok "... with Content-Type application/json" ;;
*) not_ok "... with Content-Type application/json ($(header Content-Type))" ;;
esac
call GET /api/login
jcheck "GET on /api/login: 405" 405 '(.error | type) == "string"'
call DELETE /api/status
check "DELETE on /api/status: 405 (HTTP $STATUS)" [ "$STATUS" = 405 ]
raw -X POST -H 'X-Requested-With: mews' --data x "$URL/index.html"
check "POST on a page: 405 (HTTP $STATUS)" [ "$STATUS" = 405 ]

# --- 11. The pages ---------------------------------------------------------
raw "$URL/"
case $STATUS:$(header Content-Type) in
200:text/html*) ok "GET / is the page, text/html" ;;
*) not_ok "GET / is the page, text/html (HTTP $STATUS, $(header Content-Type))" ;;
esac
check "... the one in www/" cmp -s "$TMP/body" "$top_srcdir/www/index.html"

# --- 2. Lockout and the PUK ------------------------------------------------
JAR="$TMP/jar.admin"
check "the administrator is commissioned" commission administrator 99999 13579
admin_puk=$(puk_of administrator)
check "its first PIN change made it a PUK, 14 digits as printed ($admin_puk)" \
    sh -c 'printf "%s" "$1" | grep -Eqx "[0-9]{5} [0-9]{4} [0-9]{5}"' - \
    "$admin_puk"
check "... not the seed's" [ "$admin_puk" != "00000 9999 00000" ]
admin_token=$(token)

# The attack of the security issue, as it was sent: the seed's PUK and a
# PIN of the attacker's for an administrator that is not locked and whose
# PIN was changed long ago.  A PUK unlocks only a locked profile.
attack() {	# PUK: STATUS, BODY, and the headers in $HDR
	STATUS=$(curl -sk --max-time 10 \
	    --resolve "$HOST:$HTTPS_PORT:127.0.0.1" -D "$HDR" -o "$TMP/body" \
	    -w '%{http_code}' -H 'X-Requested-With: x' --data \
	    "{\"profile\":\"administrator\",\"puk\":\"$1\",\"new_pin\":\"31337\"}" \
	    "https://$HOST:$HTTPS_PORT/api/unlock")
	BODY=$(cat "$TMP/body" 2>/dev/null)
}
cp "$profiles_file" "$TMP/profiles.before"
attack "00000 9999 00000"
jcheck "the issue's curl (the seed's PUK, the administrator not locked): 409" \
    409 '.locked == false and (.error | test("not locked"))'
check "... and no session cookie" sh -c '! grep -qi "^Set-Cookie" "$1"' - "$HDR"
attack "$admin_puk"
jcheck "even its own PUK, the administrator not locked: 409" 409 \
    '.locked == false'
check "... and nothing changed: profiles.conf byte for byte" \
    cmp -s "$profiles_file" "$TMP/profiles.before"
JAR="$TMP/jar.attacker"
rm -f "$JAR"
call POST /api/login '{"profile":"administrator","pin":"31337"}'
jcheck "the attacker's PIN does not log in: 401" 401 '.attempts_left == 2'
check "the real administrator's PIN still does" login administrator 13579
call GET /api/profiles
jcheck "... with no failure counted against its PUK" 200 \
    '.[] | select(.profile == "administrator") | .locked == false and .puk_failures == 0 and .must_change_pin == false and .default_puk == false'
call GET '/api/events?kind=login_failed'
jcheck "the event log keeps the refused attempt, from its address" 200 \
    'any(.events[]; .profile == "administrator" and .address == "127.0.0.1" and (.detail | contains("not locked")))'

JAR="$TMP/jar.locker"
rm -f "$JAR"
call POST /api/login '{"profile":"administrator","pin":"11112"}'
jcheck "a wrong PIN: 401 attempts_left 2" 401 '.attempts_left == 2'
call POST /api/login '{"profile":"administrator","pin":"11113"}'
jcheck "a second wrong PIN: 401 attempts_left 1" 401 '.attempts_left == 1'
call POST /api/login '{"profile":"administrator","pin":"11114"}'
jcheck "a third wrong PIN: 423 locked" 423 '.locked == true'
call POST /api/login '{"profile":"administrator","pin":"13579"}'
jcheck "the right PIN on a locked profile: 423 locked" 423 '.locked == true'
check "no session was made" [ -z "$(token)" ]

# A restart must not unlock; the guard's memory goes with it.  The log
# starts again, its first part kept for the look for secrets at the end.
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"
cat "$LOG" >>"$TMP/mewsd.log.before"
: >"$LOG"
if start_mewsd; then ok "mewsd restarts"; else not_ok "mewsd restarts"; sed 's/^/# /' "$LOG"; done_testing; fi
call POST /api/login '{"profile":"administrator","pin":"13579"}'
jcheck "after a restart the profile is still locked: 423" 423 '.locked == true'
raw -H "Cookie: mews_session=$admin_token" "$URL/api/session"
check "a session from before the restart: 401 (HTTP $STATUS)" \
    [ "$STATUS" = 401 ]
CLIENT_ADDR=127.0.0.5
call POST /api/unlock "{\"profile\":\"administrator\",\"puk\":\"$admin_puk\",\"new_pin\":\"99999\"}"
jcheck "unlock with the default as new PIN: 400 field new_pin" 400 \
    '.field == "new_pin"'
call POST /api/unlock "{\"profile\":\"administrator\",\"puk\":\"$admin_puk\",\"new_pin\":\"1357\"}"
jcheck "unlock with a 4-digit new PIN: 400 field new_pin" 400 \
    '.field == "new_pin"'
call POST /api/unlock "{\"profile\":\"administrator\",\"puk\":\"$admin_puk\",\"new_pin\":\"97531\",\"new_puk\":\"generate\"}"
jcheck "unlock asking for a new PUK past the default PIN: 400 field new_puk" \
    400 '.field == "new_puk"'
call POST /api/unlock '{"profile":"administrator","puk":"00000999900001","new_pin":"97531"}'
jcheck "a wrong PUK: 401, and this address may give another at once" 401 \
    '.error == "wrong PUK" and .retry_after == 0'
call POST /api/unlock '{"profile":"administrator","puk":"0000099990000","new_pin":"97531"}'
jcheck "a 13-digit PUK: 401" 401 '.retry_after == 0'
call POST /api/unlock '{"profile":"administrator","puk":"00000 9999 00000","new_pin":"97531"}'
jcheck "the seed's PUK, dead with the default PIN, on the locked administrator: 401" \
    401 '.retry_after == 0'
call POST /api/login '{"profile":"administrator","pin":"13579"}'
jcheck "... and it is still locked" 423 '.locked == true'
hcall POST /api/unlock "{\"profile\":\"administrator\",\"puk\":\"$admin_puk\",\"new_pin\":\"97531\"}"
jcheck "the PUK made at commissioning, with spaces, and a new PIN: 200 logged in, the PUK kept" \
    200 '.profile == "administrator" and .must_change_pin == false and .new_puk == null'
check "... with a session cookie" [ -n "$(token)" ]
expect "... that works" 200 GET /api/session
unset CLIENT_ADDR
check "the administrator logs in with the PIN set by the unlock" \
    login administrator 97531
admin_jar="$TMP/jar.locker"
call GET /api/profiles
jcheck "the administrator's counters are cleared" 200 \
    '.[] | select(.profile == "administrator") | .locked == false and .pin_failures == 0 and .puk_failures == 0'

# --- 3. PUKs set by the administrator, --reset-profile ---------------------
# Every wrong PIN and PUK is a failure for the address too, ten of them
# back it off: a success comes before the tenth.
call POST /api/profiles/user '{"new_pin":"86420"}'
user_puk=$(json '.new_puk // empty')
jcheck "the administrator sets the PIN of the user, still on its default one: its seed PUK dies, a new one is shown" \
    200 '(.new_puk | test("^[0-9]{5} [0-9]{4} [0-9]{5}$")) and .new_puk != "00000 1111 00000"'
call POST /api/profiles/user '{"new_puk":"2468 0246 8024 68"}'
jcheck "the administrator types a PUK for the user: 200, nothing shown back" \
    200 '.new_puk == null'
for bad in '"00000 1111 00000"' '"2468"' '"generated"' '24680246802468' \
    '{}'; do
	call POST /api/profiles/user "{\"new_puk\":$bad}"
	jcheck "the administrator's new_puk $bad: 400 field new_puk" 400 \
	    '.field == "new_puk"'
done
call POST /api/profiles/user '{}'
jcheck "neither new_pin nor new_puk: 400" 400 '(.error | type) == "string"'
call POST /api/profiles/user '{"new_puk":"generate"}'
user_puk=$(json '.new_puk // empty')
jcheck "the administrator has a PUK made for the user: 200, shown once" 200 \
    '(.new_puk | test("^[0-9]{5} [0-9]{4} [0-9]{5}$"))'
call GET /api/profiles
jcheck "/api/profiles: the user's PUK is no longer the seed's" 200 \
    '.[] | select(.profile == "user") | .default_puk == false'
call GET '/api/events?kind=config_changed'
jcheck "the event log says the administrator set the user's PUK" 200 \
    'any(.events[]; .profile == "administrator" and (.detail | contains("profile user: PUK (made by mewsd) set")))'
# The others may not: not the user itself, nor the installer.
for who in "user 86420" "installer 24680"; do
	JAR="$TMP/jar.notadmin"
	# shellcheck disable=SC2086
	login $who || not_ok "the ${who% *} logs in"
	call POST /api/profiles/user '{"new_puk":"13579135791357"}'
	jcheck "the ${who% *} may not set the user's PUK: 403" 403 \
	    '(.error | type) == "string"'
	call POST /api/profiles/user '{"new_puk":"generate"}'
	check "... nor have one made (HTTP $STATUS)" [ "$STATUS" = 403 ]
done
rm -f "$JAR"
raw -X POST -H 'X-Requested-With: mews' -H 'Content-Type: application/json' \
    --data '{"new_puk":"generate"}' "$URL/api/profiles/user"
check "nor anyone without a session: 401 (HTTP $STATUS)" [ "$STATUS" = 401 ]

JAR="$TMP/jar.user"
rm -f "$JAR"
for pin in 00001 00002 00003; do
	call POST /api/login "{\"profile\":\"user\",\"pin\":\"$pin\"}"
done
check "three wrong PINs lock the user (HTTP $STATUS)" [ "$STATUS" = 423 ]
CLIENT_ADDR=127.0.0.6
call POST /api/unlock '{"profile":"user","puk":"2468 0246 8024 68","new_pin":"86421"}'
jcheck "the PUK the administrator replaced: 401" 401 '.retry_after == 0'
call POST /api/unlock "{\"profile\":\"user\",\"puk\":\"$user_puk\",\"new_pin\":\"86421\"}"
jcheck "the PUK the administrator had made unlocks the user: 200" 200 \
    '.profile == "user" and .must_change_pin == false and .new_puk == null'
check "the user logs in with its new PIN" login user 86421

# --reset-profile, for a PUK lost: the user locked again.
for pin in 00001 00002 00003; do
	call POST /api/login "{\"profile\":\"user\",\"pin\":\"$pin\"}"
done
check "three wrong PINs lock the user again (HTTP $STATUS)" [ "$STATUS" = 423 ]
JAR=$admin_jar
unset CLIENT_ADDR
check "a success from this address clears its record" \
    login administrator 97531
call GET /api/profiles
jcheck "/api/profiles: the user locked, no wrong PUK against this lock yet, no \"blocked\" any more" \
    200 '(.[] | select(.profile == "user") | .locked == true and .puk_failures == 0) and all(.[]; has("blocked") | not)'
"$MEWSD" --reset-profile nobody -c "$CONF" >/dev/null 2>&1; rc=$?
check "--reset-profile of an unknown profile fails (exit $rc)" [ "$rc" != 0 ]
"$MEWSD" --reset-profile user -c "$CONF" >"$TMP/reset.out" 2>"$TMP/reset.err"
rc=$?
check "--reset-profile user while the daemon runs: exit 0 (exit $rc)" \
    [ "$rc" = 0 ]
[ "$rc" = 0 ] || sed 's/^/# /' "$TMP/reset.err"
reset_puk=$(sed -n 's/^user: PIN 11111 (change it at the first login), new PUK \([0-9]\{5\} [0-9]\{4\} [0-9]\{5\}\)$/\1/p' "$TMP/reset.out")
check "it prints the default PIN and the new PUK, one line ($(cat "$TMP/reset.out"))" \
    sh -c '[ -n "$1" ] && [ "$(wc -l <"$2")" = 1 ]' - "$reset_puk" "$TMP/reset.out"
check "... a PUK that is none of the seed's nor the previous one" \
    sh -c '[ "$1" != "00000 1111 00000" ] && [ "$1" != "$2" ]' - \
    "$reset_puk" "$user_puk"
check "... and puts no secret on stderr, which is the log" \
    sh -c '! grep -Eq "11111|$(printf %s "$1" | tr -d " ")|$1" "$2"' - \
    "$reset_puk" "$TMP/reset.err"
check "profiles.conf is still mode 0600 after the reset" \
    [ "$(stat -c %a "$profiles_file")" = 600 ]
JAR="$TMP/jar.user"
call POST /api/login '{"profile":"user","pin":"11111"}'
jcheck "the running daemon sees the reset: 11111 logs in, must_change_pin, a PUK that is not the seed's" \
    200 '.must_change_pin == true and .default_puk == false and .profile == "user"'
JAR=$admin_jar
call GET /api/session
check "the reset left the administrator's session alone (HTTP $STATUS)" \
    [ "$STATUS" = 200 ]
check "the administrator's PIN survived the reset" login administrator 97531
JAR="$TMP/jar.user"
rm -f "$JAR"
for pin in 00001 00002 00003; do
	call POST /api/login "{\"profile\":\"user\",\"pin\":\"$pin\"}"
done
check "three wrong PINs lock the reset user (HTTP $STATUS)" [ "$STATUS" = 423 ]
CLIENT_ADDR=127.0.0.6
call POST /api/unlock '{"profile":"user","puk":"00000 1111 00000","new_pin":"86420"}'
jcheck "the seed's PUK does not unlock a reset profile: 401" 401 \
    '.retry_after == 0'
call POST /api/unlock "{\"profile\":\"user\",\"puk\":\"$reset_puk\",\"new_pin\":\"86420\"}"
jcheck "the PUK --reset-profile printed unlocks it, and stays its PUK: 200" \
    200 '.profile == "user" and .must_change_pin == false and .new_puk == null'
unset CLIENT_ADDR
check "the user logs in with the PIN set by the unlock" login user 86420

# --- 4. The back-off ------------------------------------------------------
# The login just made cleared the record: ten failures from here.
JAR="$TMP/jar.guess"
rm -f "$JAR"
i=1
while [ "$i" -le 10 ]; do
	call POST /api/login "{\"profile\":\"installer\",\"pin\":\"0000$((i % 10))\"}"
	status_in 401 423 || break
	i=$((i + 1))
done
check "ten wrong PINs: 401 then 423, none 429 yet (stopped at $i: $STATUS)" \
    [ "$i" = 11 ]
hcall POST /api/login '{"profile":"installer","pin":"00011"}'
ra=$(header Retry-After)
jcheck "the eleventh: 429 with retry_after" 429 \
    '(.retry_after | type) == "number" and .retry_after > 0 and .retry_after <= 300'
check "... and a Retry-After header, 1 to 300 s ($ra)" \
    sh -c 'case $1 in ""|*[!0-9]*) exit 1 ;; esac; [ "$1" -ge 1 ] && [ "$1" -le 300 ]' - "$ra"
check "... the same as retry_after" [ "$ra" = "$(json .retry_after)" ]
call POST /api/login '{"profile":"administrator","pin":"97531"}'
jcheck "another profile's right PIN is refused too: 429" 429 \
    '.retry_after > 0'
# The PUK is not held by the logins' back-off: it has its own, per
# address (web_puk_backoff.sh), and the installer who mistyped and
# retried must get back in.
JAR="$TMP/jar.unlock"
rm -f "$JAR"
call POST /api/unlock '{"profile":"installer","puk":"00000555500001","new_pin":"86420"}'
jcheck "a wrong PUK is judged, not backed off: 401" 401 \
    '.retry_after == 0'
call POST /api/unlock "{\"profile\":\"installer\",\"puk\":\"$INSTALLER_PUK\",\"new_pin\":\"86420\"}"
jcheck "the PUK typed at its first PIN change unlocks while the address is backed off: 200" \
    200 '.profile == "installer"'
call POST /api/login '{"profile":"administrator","pin":"97531"}'
jcheck "and its success cleared the address's record: the administrator logs in" \
    200 '.profile == "administrator"'
JAR=$admin_jar
call GET /api/session
check "a session already open is not backed off (HTTP $STATUS)" \
    [ "$STATUS" = 200 ]

# Never a PUK in the log or the event log.
cat "$LOG" >>"$TMP/mewsd.log.before"
for secret in "$admin_puk" "$user_puk" "$reset_puk" "$INSTALLER_PUK"; do
	digits=$(printf %s "$secret" | tr -d ' ')
	check "neither the log nor the event log holds the PUK $secret" \
	    sh -c '! grep -rqF -e "$1" -e "$2" "$3" "$4"' - "$secret" "$digits" \
	    "$TMP/mewsd.log.before" "$STATE/events"
done

check "mewsd is still running" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
