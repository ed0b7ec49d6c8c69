# A mail server for the tests that send mail, sourced after web_lib.sh:
# Debian's aiosmtpd (reports.py smtp) on 127.0.0.1 with a certificate made
# here ($TMP/cert.pem, for 127.0.0.1), user reporter, password s3cret;
# each message saved in $MAILS as N.eml, its text decoded as N.txt.
have openssl || need "no openssl" openssl
have_module aiosmtpd || need "no Python module aiosmtpd" python3-aiosmtpd

# listening PORT: something accepts connections on 127.0.0.1:PORT.
listening() {
	/usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)"
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 2 \
    -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" \
    2>>"$TMP/openssl.log" || { not_ok "a certificate for 127.0.0.1"; done_testing; }
MAILS="$TMP/mails"
mkdir -p "$MAILS"

# start_smtp MODE PORT: the server (MODE starttls or tls), ready when it
# accepts connections; SMTP_PID is its process.
start_smtp() {
	spawn /usr/bin/python3 "$(dirname "$0")/reports.py" smtp "$MAILS" \
	    "$2" "$TMP/cert.pem" "$TMP/key.pem" "$1" reporter s3cret \
	    >>"$TMP/smtp.log" 2>&1
	SMTP_PID=$LAST_PID
	wait_for 10 listening "$2"
}
stop_smtp() { kill "$SMTP_PID"; wait "$SMTP_PID" 2>/dev/null; }
