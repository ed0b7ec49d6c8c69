#!/usr/bin/python3
"""Helper of reports.sh: the servers reports go to, history made up for
yesterday, and the checks of what arrived.

Servers (each on 127.0.0.1, each saving what it gets under a folder, each
running until killed):
  smtp DIR PORT CERT KEY starttls|tls USER PASSWORD
      aiosmtpd; STARTTLS required before AUTH, or implicit TLS; AUTH
      required, checked against USER and PASSWORD (535 otherwise); each
      message saved as DIR/N.eml, its plain text decoded as DIR/N.txt.
  ftp DIR PORT USER PASSWORD       pyftpdlib, DIR writable by USER.
  https DIR PORT CERT KEY          PUT /PATH saves DIR/PATH, answers 201.

Made-up history (times local, in the zone of TZ, as mewsd's), every
minute from an hour before yesterday's local midnight to today's, in
RRD files laid out as mewsd's history makes them:
 - energy_import: 5000 + 0.125 kWh a minute;
 - power: the minute m minutes after a midnight averages m + 0.5 W, but
   13:37 yesterday peaks at 5000 W;
 - nothing at all from 02:00 to 03:00 yesterday: the meter was offline.
"""
import email
import email.policy
import os
import re
import ssl
import sys
import threading
import time

from csv_files import midnight, rrd_write

GAP_FROM_H, GAP_TO_H = 2, 3
PEAK_H, PEAK_M, PEAK_W = 13, 37, 5000.0


def say(text):
    print("# " + text)


def at(day, h, m):
    lt = time.localtime(day)
    return int(time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, h, m, 0, 0,
                            0, -1)))


TODAY = midnight(time.time())
YESTERDAY = midnight(TODAY - 1)
FAKE_FROM = YESTERDAY - 3600
GAP_FROM = at(YESTERDAY, GAP_FROM_H, 0)
GAP_TO = at(YESTERDAY, GAP_TO_H, 0)
PEAK = at(YESTERDAY, PEAK_H, PEAK_M)


def power_after(t):
    if t == PEAK:
        return PEAK_W
    return (t - midnight(t)) // 60 + 0.5


def cmd_history(rrd_dir):
    """main/energy_import.rrd and main/power.rrd, as history keeps them."""
    points = range(FAKE_FROM + 60, TODAY + 1, 60)
    series = {
        "energy_import": (["RRA:LAST:0.99:1:11520", "RRA:LAST:0.99:60:9600",
                           "RRA:LAST:0.99:1440:7400"],
                          lambda t: 5000 + (t - FAKE_FROM) // 60 * 0.125),
        "power": (["RRA:AVERAGE:0.5:1:11520", "RRA:AVERAGE:0.5:60:9600",
                   "RRA:MAX:0.5:1:11520", "RRA:MAX:0.5:60:9600",
                   "RRA:MIN:0.5:1:11520", "RRA:MIN:0.5:60:9600"],
                  lambda t: power_after(t - 60)),
    }
    for name, (rras, value) in series.items():
        rrd_write("%s/%s.rrd" % (rrd_dir, name), FAKE_FROM, rras,
                  ["%d:U" % t if t == GAP_TO else "%d:%r" % (t, value(t))
                   for t in points if not GAP_FROM < t < GAP_TO])
    return 0


def cmd_day():
    """Yesterday's name, its start and end, the day before's start."""
    print(time.strftime("%Y-%m-%d", time.localtime(YESTERDAY)), YESTERDAY,
          TODAY, midnight(YESTERDAY - 1))
    return 0


def tls_context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


def cmd_smtp(folder, port, cert, key, mode, user, password):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    # Numbered on from what an earlier run of the server saved.
    count = [len([n for n in os.listdir(folder) if n.endswith(".eml")])]

    class Saver:
        async def handle_DATA(self, server, session, envelope):
            count[0] += 1
            path = os.path.join(folder, "%d.eml" % count[0])
            raw = envelope.original_content or envelope.content.encode()
            # The text as a reader sees it, once quoted-printable lines
            # are joined again: what the tests search.
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            with open(os.path.join(folder, "%d.txt" % count[0]), "w") as f:
                for part in msg.walk():
                    if part.get_content_type() == "text/plain":
                        f.write(part.get_content())
            with open(path + ".tmp", "wb") as f:
                f.write(raw)
            os.rename(path + ".tmp", path)
            with open(path + ".rcpt", "w") as f:
                f.write("\n".join(envelope.rcpt_tos) + "\n")
            return "250 2.0.0 Saved as %d" % count[0]

    def check(server, session, envelope, mechanism, data):
        good = (isinstance(data, LoginPassword) and
                data.login == user.encode() and
                data.password == password.encode())
        return AuthResult(success=good, handled=False)

    ctx = tls_context(cert, key)
    kwargs = dict(hostname="127.0.0.1", port=int(port), authenticator=check,
                  auth_required=True)
    if mode == "tls":
        # The connection is TLS from the start: aiosmtpd's own check
        # only knows STARTTLS.
        kwargs.update(ssl_context=ctx, auth_require_tls=False)
    else:
        kwargs.update(tls_context=ctx, require_starttls=True,
                      auth_require_tls=True)
    controller = Controller(Saver(), **kwargs)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


def cmd_ftp(folder, port, user, password):
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    auth = DummyAuthorizer()
    auth.add_user(user, password, folder, perm="elradfmw")
    handler = FTPHandler
    handler.authorizer = auth
    handler.passive_ports = None
    server = FTPServer(("127.0.0.1", int(port)), handler)
    server.serve_forever()


def cmd_https(folder, port, cert, key):
    import http.server

    class Put(http.server.BaseHTTPRequestHandler):
        # HTTP/1.1, so the "100 Continue" curl's Expect asks for is sent:
        # an HTTP/1.0 server makes curl wait a second before each upload.
        protocol_version = "HTTP/1.1"

        def do_PUT(self):
            rel = self.path.lstrip("/")
            if ".." in rel.split("/"):
                self.send_error(400)
                return
            n = int(self.headers.get("Content-Length", "0"))
            data = self.rfile.read(n)
            path = os.path.join(folder, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            self.send_response(201)
            self.send_header("Content-Length", "0")
            # One request a connection: the server serves one at a time.
            self.send_header("Connection", "close")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", int(port)), Put)
    server.socket = tls_context(cert, key).wrap_socket(server.socket,
                                                       server_side=True)
    server.serve_forever()


def parse(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.default)


def cmd_mail(path, report, sender, rcpt, day, csv_dir):
    """The message: headers, its summary, an attachment per CSV file."""
    problems = []
    msg = parse(path)
    subject = str(msg["Subject"])
    if report not in subject or day not in subject:
        problems.append("subject %r lacks %r and %r" % (subject, report, day))
    if str(msg["From"]) != sender:
        problems.append("From %r, not %r" % (str(msg["From"]), sender))
    if rcpt not in str(msg["To"]):
        problems.append("To %r lacks %r" % (str(msg["To"]), rcpt))
    for h in ("Date", "Message-ID"):
        if msg[h] is None:
            problems.append("no %s header" % h)
    if msg.get_content_type() != "multipart/mixed":
        problems.append("not multipart/mixed: %s" % msg.get_content_type())
    body = msg.get_body(preferencelist=("plain",))
    if body is None:
        problems.append("no text/plain part")
    attachments = {a.get_filename(): a.get_payload(decode=True)
                   for a in msg.iter_attachments()}
    if "main-%s.csv" % day not in attachments:
        problems.append("no attachment main-%s.csv among %r" %
                        (day, sorted(attachments)))
    for name, data in attachments.items():
        device = name[:-len("-%s.csv" % day)]
        want = open(os.path.join(csv_dir, device, "day", day + ".csv"),
                    "rb").read()
        if data != want:
            problems.append("%s: %d bytes, not the %d of the CSV file" %
                            (name, len(data), len(want)))
        else:
            say("%s: %d bytes, identical to the CSV file" % (name,
                                                             len(data)))
    for p in problems:
        say(p)
    return 1 if problems else 0


def cmd_summary(path, field):
    """Print one line's value of the summary: DEVICE.KEY (e.g.
    main.energy_import), or the device's section with DEVICE."""
    body = parse(path).get_body(preferencelist=("plain",)).get_content()
    device, _, key = field.partition(".")
    section = None
    for line in body.splitlines():
        m = re.match(r"^\S.*\((%s)\), " % re.escape(device), line)
        if m:
            section = []
            continue
        if section is not None:
            if not line.startswith("  "):
                break
            section.append(line.strip())
    if section is None:
        say("no section for %s in:\n# %s" % (device,
                                             body.replace("\n", "\n# ")))
        return 1
    if not key:
        print("\n".join(section))
        return 0
    for line in section:
        if line.startswith(key + ": "):
            print(line[len(key) + 2:])
            return 0
    say("no %s in %r" % (key, section))
    return 1


def cmd_text(path):
    print(parse(path).get_body(preferencelist=("plain",)).get_content())
    return 0


if __name__ == "__main__":
    commands = {"history": cmd_history, "day": cmd_day, "smtp": cmd_smtp,
                "ftp": cmd_ftp, "https": cmd_https, "mail": cmd_mail,
                "summary": cmd_summary, "text": cmd_text}
    sys.exit(commands[sys.argv[1]](*sys.argv[2:]))
