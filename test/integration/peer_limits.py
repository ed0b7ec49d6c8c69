#!/usr/bin/python3
"""Helper of peer_limits.sh: one client address against the caps of the
FTP and HTTPS servers, with other loopback addresses as everyone else
(127.0.0.2 attacks; 127.0.0.1 and 127.0.0.3 are the people).  Linux
routes all of 127.0.0.0/8 to lo, so a socket bound to 127.0.0.2 reaches
mewsd on 127.0.0.1 as a client of its own.

Usage: peer_limits.py HOST HTTPS_PORT FTP_PORT CAFILE COMMAND ARGS...
Each command prints what it saw as TAP comments and exits 0, or 1 when
something is wrong.
"""
import ftplib
import json
import socket
import ssl
import struct
import sys
import threading
import time

HOST, HTTPS_PORT, FTP_PORT, CAFILE = sys.argv[1:5]
HTTPS_PORT, FTP_PORT = int(HTTPS_PORT), int(FTP_PORT)
SERVER = "127.0.0.1"
ATTACKER = "127.0.0.2"
TIMEOUT = 10
problems = []


def say(text):
    print("# " + text, flush=True)


def expect(ok, what):
    say(("ok: " if ok else "WRONG: ") + what)
    if not ok:
        problems.append(what)


def connect(port, source, timeout=TIMEOUT):
    return socket.create_connection((SERVER, port), timeout=timeout,
                                    source_address=(source, 0))


def ftp_greeting(source):
    """A control connection from source: (socket, its first line)."""
    s = connect(FTP_PORT, source)
    return s, s.makefile("rb").readline().decode(errors="replace").strip()


def ftp_lists(source, user, pin):
    """Logs in from source and lists the share's root: its names."""
    f = ftplib.FTP(source_address=(source, 0))
    f.connect(SERVER, FTP_PORT, timeout=TIMEOUT)
    f.login(user, pin)
    names = f.nlst("/")
    f.quit()
    return names


def cmd_ftp(cap, user, pin):
    """The cap's worth of idle sessions from the attacker, then one more:
    421; others still log in and list, and a place freed is taken again."""
    cap = int(cap)
    held = []
    try:
        for i in range(cap):
            s, line = ftp_greeting(ATTACKER)
            held.append(s)
            expect(line.startswith("220"),
                   "%s's session %d is greeted: %r" % (ATTACKER, i + 1, line))
        s, line = ftp_greeting(ATTACKER)
        expect(line.startswith("421") and "from your address" in line,
               "%s's session %d is refused, saying why: %r"
               % (ATTACKER, cap + 1, line))
        expect(s.recv(16) == b"", "... and closed")
        s.close()
        names = ftp_lists("127.0.0.1", user, pin)
        expect(any(n.rstrip("/").endswith("archive") for n in names),
               "127.0.0.1 logs in and lists the share meanwhile: %r"
               % names)
        s, line = ftp_greeting("127.0.0.3")
        expect(line.startswith("220"), "127.0.0.3 is greeted: %r" % line)
        s.close()
        held.pop().close()
        # The server sees the close before the next accept: a moment.
        time.sleep(0.3)
        s, line = ftp_greeting(ATTACKER)
        expect(line.startswith("220"),
               "a place %s freed is its again: %r" % (ATTACKER, line))
        held.append(s)
    finally:
        for s in held:
            s.close()


def tls_context():
    return ssl.create_default_context(cafile=CAFILE)


def tls_connect(source):
    return tls_context().wrap_socket(connect(HTTPS_PORT, source),
                                     server_hostname=HOST)


def closed_by_server(s, limit):
    """Whether the server closes s within limit seconds."""
    end = time.monotonic() + limit
    s.settimeout(0.1)
    while time.monotonic() < end:
        try:
            if s.recv(1024) == b"":
                return True
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        except (ConnectionError, ssl.SSLError, OSError):
            return True
    return False


def request(s, method, path, body=b"", cookie=None):
    """One request on s: (status, headers, body)."""
    head = "%s %s HTTP/1.1\r\nHost: %s:%d\r\nX-Requested-With: mews\r\n" % (
        method, path, HOST, HTTPS_PORT)
    if cookie:
        head += "Cookie: mews_session=%s\r\n" % cookie
    if body:
        head += "Content-Type: application/json\r\n"
    head += "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
    s.settimeout(TIMEOUT)
    s.sendall(head.encode() + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    top, _, payload = data.partition(b"\r\n\r\n")
    lines = top.decode(errors="replace").split("\r\n")
    status = int(lines[0].split(" ")[1]) if lines and " " in lines[0] else 0
    return status, lines[1:], payload


def login(source, profile, pin):
    """A login on a new connection: (status, cookie or None)."""
    s = tls_connect(source)
    try:
        status, headers, _ = request(s, "POST", "/api/login", json.dumps(
            {"profile": profile, "pin": pin}).encode())
    finally:
        s.close()
    cookie = None
    for h in headers:
        if h.lower().startswith("set-cookie: mews_session="):
            cookie = h.split("=", 1)[1].split(";", 1)[0]
    return status, cookie


def cmd_https_conns(cap, total):
    """An idle connection from 127.0.0.1, then more than the cap from the
    attacker, past max_connections as well: only the attacker's own oldest
    are closed."""
    cap, total = int(cap), int(total)
    mine = tls_connect("127.0.0.1")
    theirs = []
    try:
        for _ in range(total):
            theirs.append(tls_connect(ATTACKER))
        closed = [closed_by_server(s, 0.3) for s in theirs]
        expect(closed == [True] * (total - cap) + [False] * cap,
               "of %d connections from %s its %d oldest are closed, its %d "
               "newest open: %s" % (total, ATTACKER, total - cap, cap,
                                    "".join("x" if c else "o"
                                            for c in closed)))
        status, _, _ = request(mine, "GET", "/api/session")
        expect(status == 401, "127.0.0.1's idle connection, the oldest of "
               "all, still answers (HTTP %d: no cookie)" % status)
    finally:
        mine.close()
        for s in theirs:
            s.close()


def client_hello():
    """A ClientHello as a browser would send it, made once: the flood
    sends these bytes and needs no cryptography of its own."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = tls_context().wrap_bio(incoming, outgoing, server_hostname=HOST)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def flood(hello, stop, per_s, tally, lock):
    """ClientHellos from the attacker until stop, per_s a second at most:
    the first byte of each answer says accepted (0x16, a ServerHello: the
    server did the work) or refused (0x15, an alert)."""
    rst = struct.pack("ii", 1, 0)
    start, sent = time.monotonic(), 0
    while time.monotonic() < stop:
        ahead = start + sent / per_s - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
        sent += 1
        kind = "failed"
        s = socket.socket()
        try:
            # Closed with a reset: no TIME_WAIT left behind by thousands.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, rst)
            s.bind((ATTACKER, 0))
            s.settimeout(2)
            s.connect((SERVER, HTTPS_PORT))
            s.sendall(hello)
            first = s.recv(1)
            kind = {b"\x16": "accepted", b"\x15": "refused"}.get(first,
                                                                 "failed")
        except OSError:
            pass
        finally:
            s.close()
        with lock:
            tally[kind] += 1


def cmd_https_flood(seconds, per_s, burst, profile, pin):
    """The attacker floods ClientHellos for seconds while 127.0.0.1 logs
    in again and again: every login succeeds, and the attacker is
    accepted no more than its address's share."""
    seconds, per_s, burst = float(seconds), int(per_s), int(burst)
    hello = client_hello()
    tally = {"accepted": 0, "refused": 0, "failed": 0}
    lock = threading.Lock()
    t0 = time.monotonic()
    stop = t0 + seconds
    # The flood was about 2,000 a second: 4 threads of 750.
    threads = [threading.Thread(target=flood, args=(hello, stop, 750,
                                                    tally, lock))
               for _ in range(4)]
    for t in threads:
        t.start()
    logins, bad, slowest = 0, [], 0.0
    time.sleep(0.3)  # the flood under way first
    while time.monotonic() < stop:
        t = time.monotonic()
        try:
            status, cookie = login("127.0.0.1", profile, pin)
        except (OSError, ssl.SSLError) as e:
            status, cookie = str(e), None
        slowest = max(slowest, time.monotonic() - t)
        logins += 1
        if status != 200 or not cookie:
            bad.append(status)
        time.sleep(0.1)
    for t in threads:
        t.join()
    took = time.monotonic() - t0
    rate = sum(tally.values()) / took
    say("flood from %s: %s in %.1f s (%.0f ClientHellos a second)"
        % (ATTACKER, tally, took, rate))
    expect(rate > 10 * per_s, "the flood is one: over 10 times its "
           "address's share, %d a second" % per_s)
    expect(tally["refused"] > 0, "the server refuses the flood's "
           "ClientHellos")
    most = burst + per_s * took
    expect(tally["accepted"] <= most, "the attacker got at most its "
           "share: %d accepted, at most %d" % (tally["accepted"], most))
    expect(logins >= 5 and not bad, "127.0.0.1's %d logins during the "
           "flood all succeed (failures: %r; slowest %.2f s)"
           % (logins, bad, slowest))
    status, _ = login("127.0.0.3", profile, pin)
    expect(status == 200, "127.0.0.3 logs in too (HTTP %s)" % status)


COMMANDS = {"ftp": cmd_ftp, "https_conns": cmd_https_conns,
            "https_flood": cmd_https_flood}

if __name__ == "__main__":
    try:
        COMMANDS[sys.argv[5]](*sys.argv[6:])
    except ftplib.all_errors + (ssl.SSLError,) as e:
        expect(False, "%s: %s" % (type(e).__name__, e))
    sys.exit(1 if problems else 0)
