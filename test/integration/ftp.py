#!/usr/bin/python3
"""Helper of ftp.sh: Python's ftplib (and raw sockets, for what ftplib
would not send) against mewsd's FTP server on 127.0.0.1.

Usage: ftp.py PORT CAFILE COMMAND ARGS...  Each command prints what is
wrong as TAP comments and exits 1, or exits 0.
"""
import ftplib
import os
import random
import socket
import ssl
import sys
import time

HOST = "127.0.0.1"
PORT = int(sys.argv[1])
CAFILE = sys.argv[2]
TIMEOUT = 10
WRITES = ["STOR x.csv", "STOU", "APPE x.csv", "DELE x.csv", "RMD a",
          "MKD a", "XMKD a", "XRMD a", "RNFR x.csv", "RNTO y.csv",
          "SITE CHMOD 777 x.csv", "ALLO 10", "MFMT 20200101000000 x.csv"]


def say(text):
    print("# " + text)


def fail(text):
    say(text)
    sys.exit(1)


def plain(user=None, pin=None):
    f = ftplib.FTP()
    f.connect(HOST, PORT, timeout=TIMEOUT)
    if user is not None:
        f.login(user, pin)
    return f


def tls(user=None, pin=None, prot=True):
    ctx = ssl.create_default_context(cafile=CAFILE)
    ctx.check_hostname = False
    f = ftplib.FTP_TLS(context=ctx)
    f.connect(HOST, PORT, timeout=TIMEOUT)
    if user is not None:
        f.login(user, pin)
        if prot:
            f.prot_p()
    return f


def expect_code(f, cmd, code):
    """cmd must be answered with code (a string such as "550")."""
    try:
        reply = f.sendcmd(cmd)
    except ftplib.all_errors as e:
        reply = str(e)
    if not reply.startswith(code):
        fail("%s: %r, wanted %s" % (cmd.split(" ")[0], reply, code))
    return reply


def expect_raw(f, line, code):
    """Bytes ftplib would not send, answered with code; then NOOP works."""
    f.sock.sendall(line)
    reply = f.getline()
    if not reply.startswith(code):
        fail("%r...: %r, wanted %s" % (line[:20], reply, code))
    expect_code(f, "NOOP", "200")


def cmd_tls_get(user, pin, path, local, rest="0"):
    """A file by FTPS with PROT P, from offset rest, as it is on disk."""
    rest = int(rest)
    want = open(local, "rb").read()[rest:]
    f = tls(user, pin)
    got = bytearray()
    reply = f.retrbinary("RETR " + path, got.extend, rest=rest or None)
    f.quit()
    if bytes(got) != want:
        fail("%d bytes, wanted %d identical ones" % (len(got), len(want)))
    if not reply.startswith("226"):
        fail("RETR ended with %r" % reply)


def cmd_facts(user, pin, folder, local):
    """MLSD, SIZE, MDTM and MLST of a file agree with its stat."""
    st = os.stat(local)
    name = os.path.basename(local)
    modify = time.strftime("%Y%m%d%H%M%S", time.gmtime(st.st_mtime))
    f = tls(user, pin)
    facts = dict(f.mlsd(folder))
    if name not in facts:
        fail("MLSD %s lacks %s: %r" % (folder, name, sorted(facts)))
    got = facts[name]
    if got.get("type") != "file" or got.get("size") != str(st.st_size) or \
            got.get("modify") != modify or got.get("perm") != "r":
        fail("MLSD facts %r, wanted file, %d, %s, r" %
             (got, st.st_size, modify))
    path = folder + "/" + name
    if f.size(path) != st.st_size:
        fail("SIZE %r" % f.size(path))
    if f.sendcmd("MDTM " + path) != "213 " + modify:
        fail("MDTM %r, wanted %s" % (f.sendcmd("MDTM " + path), modify))
    mlst = f.sendcmd("MLST " + path)
    if "size=%d;" % st.st_size not in mlst or "type=file" not in mlst:
        fail("MLST %r" % mlst)
    dirs = [n for n, fa in f.mlsd("/") if fa.get("type") == "dir"]
    if not dirs:
        fail("MLSD / shows no folder")
    f.quit()


def cmd_writes(user, pin):
    """Every command that would write is answered 550."""
    f = tls(user, pin)
    for cmd in WRITES:
        expect_code(f, cmd, "550")
    f.quit()


def cmd_escapes(user, pin, folder):
    """.., links pointing out, hidden and temporary files, odd names."""
    f = tls(user, pin)
    for path in ["../../etc/passwd", "/..", "/../csv", folder + "/../../..",
                 folder + "/evil.csv", "/etc-link/passwd",
                 folder + "/.hidden.csv", folder + "/tmp.csv.Ab12Cd",
                 folder + "/fifo.csv",
                 "/" + "n" * 300, "/bad\x01name.csv"]:
        expect_code(f, "SIZE " + path, "550")
        expect_code(f, "CWD " + path, "550")
    expect_code(f, "CWD /etc-link", "550")
    expect_code(f, "CDUP", "550")
    names = f.nlst(folder)
    for bad in ["evil.csv", ".hidden.csv", "tmp.csv.Ab12Cd", "fifo.csv"]:
        if bad in names or folder + "/" + bad in names:
            fail("NLST shows %s: %r" % (bad, names))
    expect_code(f, "PWD", '257 "/"')
    # A NUL inside a command, sent raw: refused, the session goes on.
    expect_raw(f, b"SIZE " + folder.encode() + b"/a\x00b.csv\r\n", "501")
    f.quit()


def cmd_long_line(user, pin):
    """A line longer than any command: 500, and the session survives."""
    f = plain(user, pin)
    expect_raw(f, b"NOOP " + b"x" * 20000 + b"\r\n", "500")
    f.quit()


def cmd_pasv_other(user, pin):
    """A PASV port taken from 127.0.0.2 is closed; 127.0.0.1 gets it."""
    f = plain(user, pin)
    host, port = ftplib.parse227(f.sendcmd("PASV"))
    thief = socket.socket()
    thief.settimeout(TIMEOUT)
    thief.bind(("127.0.0.2", 0))
    thief.connect((host, port))
    f.sock.sendall(b"NLST\r\n")
    try:
        data = thief.recv(100)
    except ConnectionResetError:
        data = b""
    thief.close()
    if data:
        fail("127.0.0.2 got %r" % data)
    conn = socket.create_connection((host, port), timeout=TIMEOUT)
    reply = f.getresp()
    if not reply.startswith("150"):
        fail("NLST: %r" % reply)
    listing = conn.makefile("rb").read()
    conn.close()
    done = f.getresp()
    if not done.startswith("226") or not listing:
        fail("from 127.0.0.1: %r, %r" % (done, listing))
    f.quit()


def cmd_wrong_pins(profile, count):
    """count wrong PINs: 530 each, the last one saying it is locked."""
    last = ""
    for i in range(int(count)):
        f = plain()
        f.sendcmd("USER " + profile)
        try:
            f.sendcmd("PASS 00000")
            fail("a wrong PIN was accepted")
        except ftplib.error_perm as e:
            last = str(e)
        f.quit()
        if not last.startswith("530"):
            fail("wrong PIN %d: %r" % (i + 1, last))
    if "locked" not in last:
        fail("after %s wrong PINs: %r" % (count, last))


def cmd_refused(user, pin, words):
    """A login refused with 530 and a reply holding words."""
    f = plain()
    f.sendcmd("USER " + user)
    try:
        f.sendcmd("PASS " + pin)
        fail("logged in")
    except ftplib.error_perm as e:
        if not str(e).startswith("530") or words not in str(e):
            fail("%r, wanted 530 ... %s" % (str(e), words))
    f.quit()


def cmd_before_login():
    """Nothing but the login and harmless commands before it."""
    f = plain()
    for cmd in ["LIST", "RETR /x.csv", "CWD /", "PASV", "STOR x.csv"]:
        expect_code(f, cmd, "530")
    expect_code(f, "FEAT", "211")
    expect_code(f, "SYST", "215")
    expect_code(f, "OPTS UTF8 ON", "200")
    expect_code(f, "PASS 11111", "503")
    expect_code(f, "FOO", "502")
    f.quit()


def cmd_tls_required(user, pin):
    """require_tls: no login in the clear, even from a client that sends
    the right PIN after the refusal; no clear data connection."""
    f = plain()
    if "AUTH TLS required" not in f.getwelcome():
        fail("the greeting does not say TLS is required: %r"
             % f.getwelcome())
    for cmd in ["USER " + user, "PASS " + pin]:
        reply = expect_code(f, cmd, "530")
        if "TLS" not in reply:
            fail("%s refused without naming TLS: %r"
                 % (cmd.split(" ")[0], reply))
    expect_code(f, "CWD /", "530")
    f.quit()
    f = tls(user, pin, prot=False)
    expect_code(f, "PBSZ 0", "200")
    expect_code(f, "PROT C", "534")
    f.sendcmd("PASV")
    expect_code(f, "LIST", "521")
    f.prot_p()
    lines = []
    f.retrlines("LIST", lines.append)
    if not lines:
        fail("no listing with PROT P")
    f.quit()


def cmd_max_sessions(count):
    """count sessions are served; one more is told 421 and closed."""
    held = []
    for i in range(int(count)):
        f = plain()
        held.append(f)
    s = socket.create_connection((HOST, PORT), timeout=TIMEOUT)
    greeting = s.makefile("rb").readline()
    s.close()
    for f in held:
        f.quit()
    if not greeting.startswith(b"421"):
        fail("session %d: %r" % (int(count) + 1, greeting))


def cmd_idle(user, pin, seconds):
    """An idle session is told 421 and closed after about seconds."""
    # From before the login: the daemon's idle time starts at its PASS,
    # whose answer may take a while (valgrind), never before.
    start = time.time()
    f = plain(user, pin)
    f.sock.settimeout(int(seconds) + 10)
    reply = f.getline()
    took = time.time() - start
    if not reply.startswith("421"):
        fail("%r" % reply)
    if f.sock.recv(10) != b"":
        fail("still open after the 421")
    if took < int(seconds) - 1:
        fail("closed after %.1f s, idle_timeout_s is %s" % (took, seconds))


def cmd_garbage(count):
    """Random bytes on the control port, from count connections."""
    rnd = random.Random(7)
    for i in range(int(count)):
        s = socket.create_connection((HOST, PORT), timeout=TIMEOUT)
        try:
            s.sendall(bytes(rnd.getrandbits(8) for _ in range(20000)))
            s.shutdown(socket.SHUT_WR)
            while s.recv(4096):
                pass
        except (ConnectionResetError, BrokenPipeError):
            pass
        s.close()


COMMANDS = {
    "tls_get": cmd_tls_get, "facts": cmd_facts, "writes": cmd_writes,
    "escapes": cmd_escapes, "long_line": cmd_long_line,
    "pasv_other": cmd_pasv_other, "wrong_pins": cmd_wrong_pins,
    "refused": cmd_refused, "before_login": cmd_before_login,
    "tls_required": cmd_tls_required, "max_sessions": cmd_max_sessions,
    "idle": cmd_idle, "garbage": cmd_garbage,
}

if __name__ == "__main__":
    try:
        COMMANDS[sys.argv[3]](*sys.argv[4:])
    except ftplib.all_errors + (ssl.SSLError,) as e:
        fail("%s: %r" % (sys.argv[3], e))
