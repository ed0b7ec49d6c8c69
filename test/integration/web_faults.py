"""Hostile and careless clients against mewsd's servers, each run bounded
in time.  Prints one "PASS what" or "FAIL what: why" line per check for
web_faults.sh to turn into TAP.

The idle connections and slowloris each wait out the server's 10 s
deadline: they wait it out together, slowloris in a thread of its own.

usage: web_faults.py HOST HTTPS_PORT HTTP_PORT GATEWAY_PORT CAFILE COOKIE
"""
import json
import os
import random
import select
import socket
import ssl
import sys
import threading
import time

host, https_port, http_port, gw_port, cafile, cookie = sys.argv[1:7]
https_port, http_port, gw_port = int(https_port), int(http_port), int(gw_port)


# The lines of a check run alongside another, held back until it is done.
held = threading.local()


def report(ok, what, why=""):
    line = ("PASS " if ok else "FAIL ") + what + ("" if ok else ": " + why)
    if getattr(held, "lines", None) is not None:
        held.lines.append(line)
    else:
        print(line, flush=True)


def run(check):
    try:
        check()
    except Exception as e:  # a crash of one check is its failure
        report(False, check.__name__, "%s: %s" % (type(e).__name__, e))


def alongside(check):
    """Start check in a thread; the function returned waits for it and
    prints its lines then, so they keep their place in the output."""
    lines = []

    def thread():
        held.lines = lines
        run(check)
    t = threading.Thread(target=thread)
    t.start()

    def finish():
        t.join()
        for line in lines:
            print(line, flush=True)
    return finish


def tls_context():
    ctx = ssl.create_default_context(cafile=cafile)
    return ctx


def tls_connect(timeout=5, source="127.0.0.1"):
    """source: a loopback address, which mewsd takes for a client of its
    own (its caps and handshake rate are per address)."""
    raw = socket.create_connection(("127.0.0.1", https_port), timeout=timeout,
                                   source_address=(source, 0))
    return tls_context().wrap_socket(raw, server_hostname=host)


def get(path, timeout=5):
    """One GET on a new connection: (status, body, seconds)."""
    t0 = time.monotonic()
    s = tls_connect(timeout)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nCookie: mews_session=%s"
               "\r\nConnection: close\r\n\r\n" % (path, host, https_port,
                                                  cookie)).encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head else 0
    return status, body, time.monotonic() - t0


def gateway_read(timeout=2):
    """Read holding register 0 of unit 1 through the gateway: seconds."""
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", gw_port), timeout=timeout)
    s.sendall(bytes([0, 1, 0, 0, 0, 6, 1, 4, 0, 0, 0, 2]))
    data = s.recv(256)
    s.close()
    if len(data) < 9 or data[7] != 4:
        raise RuntimeError("bad gateway answer %r" % data)
    return time.monotonic() - t0


def closed_by_server(s, limit):
    """Wait up to limit seconds for the server to close s: seconds, or None."""
    t0 = time.monotonic()
    s.settimeout(0.2)
    while time.monotonic() - t0 < limit:
        try:
            if s.recv(1024) == b"":
                return time.monotonic() - t0
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        except (ConnectionError, ssl.SSLError, OSError):
            return time.monotonic() - t0
    return None


def idle_connections(n=500, sources=8):
    """A crowd: n from as many addresses, each within its address's cap
    (64) and handshake burst (128), all of them past max_connections."""
    conns = []
    try:
        for i in range(n):
            conns.append(tls_connect(source="127.0.0.%d" % (10 + i % sources)))
    except OSError as e:
        report(False, "%d idle TLS connections open" % n, str(e))
        run(slowloris)
        return
    report(True, "%d idle TLS connections open" % n)
    # Opened after these, slowloris's connections are the newest: a
    # newcomer past max_connections evicts the idle ones, oldest first,
    # and they are gone at their deadline, before slowloris's.
    slowloris_done = alongside(slowloris)
    try:
        status, _, secs = get("/api/status")
        report(status == 200 and secs < 3,
               "a request is served while %d connections sit idle" % n,
               "HTTP %d in %.2f s" % (status, secs))
        # Past the deadline (10 s) every idle one is gone.
        deadline = time.monotonic() + 15
        alive = 0
        for s in conns:
            left = max(0.1, deadline - time.monotonic())
            if closed_by_server(s, left) is None:
                alive += 1
            s.close()
        report(alive == 0, "idle connections are closed by the server",
               "%d still open after 15 s" % alive)
    finally:
        slowloris_done()


def slowloris(n=20):
    """Headers dripped a byte at a time never hold a connection long."""
    socks = [tls_connect() for _ in range(n)]
    req = ("GET /api/status HTTP/1.1\r\nHost: %s\r\n" % host).encode()
    t0 = time.monotonic()
    open_ = list(socks)
    closed_at = []
    i = 0
    while open_ and time.monotonic() - t0 < 16:
        for s in list(open_):
            try:
                s.sendall(req[i % len(req):i % len(req) + 1] if i < len(req)
                          else b"X-a: b\r\n"[i % 8:i % 8 + 1])
            except OSError:
                open_.remove(s)
                closed_at.append(time.monotonic() - t0)
        i += 1
        # Half a second to the next byte; a close is seen as it comes.
        drip = time.monotonic() + 0.5
        while open_ and time.monotonic() < drip:
            ready, _, _ = select.select(
                open_, [], [], max(0, drip - time.monotonic()))
            for s in ready:
                if closed_by_server(s, 0.2) is not None:
                    open_.remove(s)
                    closed_at.append(time.monotonic() - t0)
    for s in open_:
        if closed_by_server(s, 0.5) is not None:
            open_.remove(s)
            closed_at.append(time.monotonic() - t0)
    for s in socks:
        s.close()
    report(not open_ and max(closed_at or [99]) < 14,
           "slowloris connections are cut near the 10 s deadline",
           "%d still open, last closed at %.1f s" %
           (len(open_), max(closed_at or [0])))
    status, _, secs = get("/api/status")
    report(status == 200, "served after slowloris", "HTTP %d" % status)


def handshake_flood(seconds=4.0, workers=3):
    """New TLS connections as fast as we can, from one address (its rate is
    cut to its share, peer_limits.sh shows it): the gateway keeps
    answering."""
    stop = time.monotonic() + seconds
    count = [0]

    def flood():
        ctx = tls_context()
        while time.monotonic() < stop:
            try:
                raw = socket.create_connection(("127.0.0.1", https_port),
                                               timeout=2,
                                               source_address=("127.0.0.2",
                                                               0))
                s = ctx.wrap_socket(raw, server_hostname=host)
                s.close()
                count[0] += 1
            except (OSError, ssl.SSLError):
                count[0] += 1
    threads = [threading.Thread(target=flood) for _ in range(workers)]
    for t in threads:
        t.start()
    worst = 0.0
    failures = 0
    while time.monotonic() < stop:
        try:
            worst = max(worst, gateway_read())
        except (OSError, RuntimeError):
            failures += 1
        time.sleep(0.05)
    for t in threads:
        t.join()
    report(failures == 0 and worst < 1.0,
           "the gateway answers during a TLS handshake flood (%d attempts)"
           % count[0], "%d failures, slowest %.3f s" % (failures, worst))
    status, _, _ = get("/api/status")
    report(status == 200, "HTTPS answers after the flood", "HTTP %d" % status)


def random_bytes():
    rnd = random.Random(4)
    for port in (https_port, http_port, gw_port):
        for _ in range(20):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                s.sendall(bytes(rnd.getrandbits(8) for _ in
                                range(rnd.randint(1, 4096))))
                s.settimeout(0.3)
                try:
                    s.recv(4096)
                except OSError:
                    pass
                s.close()
            except OSError:
                pass
    status, _, _ = get("/api/status")
    report(status == 200, "HTTPS answers after random bytes on every port",
           "HTTP %d" % status)
    try:
        gateway_read()
        report(True, "the gateway answers after random bytes")
    except (OSError, RuntimeError) as e:
        report(False, "the gateway answers after random bytes", str(e))


def counters():
    status, body, _ = get("/api/status")
    c = json.loads(body)["counters"]["http"] if status == 200 else {}
    report(c.get("timed_out", 0) > 0 and c.get("evicted", 0) > 0,
           "status counts evicted and timed-out connections", str(c))
    print("DIAG http counters: %s" % c, flush=True)


for check in (idle_connections, handshake_flood, random_bytes, counters):
    run(check)
