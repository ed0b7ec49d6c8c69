"""The WebDAV share as a client library sees it: multistatus answers parsed
as XML and checked against the files on disk, several requests on one
connection (kept alive, and pipelined in one write), and a method split
across TLS records.  Prints one "PASS what" or "FAIL what: why" line per
check for dav.sh to turn into TAP.

usage: dav.py HOST HTTPS_PORT CAFILE USER PIN CSV_DIR BIG_FOLDER ODD_FOLDER
"""
import base64
import email.utils
import http.client
import os
import socket
import ssl
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET

host, port, cafile, user, pin, csv_dir, big, odd = sys.argv[1:9]
port = int(port)
AUTH = "Basic " + base64.b64encode(("%s:%s" % (user, pin)).encode()).decode()
D = "{DAV:}"


def report(ok, what, why=""):
    print(("PASS " if ok else "FAIL ") + what + ("" if ok else ": " + why),
          flush=True)


def tls_context():
    # The certificate names the host: we connect to 127.0.0.1.
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    return ctx


def connection():
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=10,
                                       context=tls_context())


def request(conn, method, path, body=None, headers=None):
    h = {"Authorization": AUTH, "Host": "%s:%d" % (host, port)}
    h.update(headers or {})
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), \
        r.read()


def propfind(conn, path, depth, body=None):
    return request(conn, "PROPFIND", path, body,
                   {"Depth": depth,
                    "Content-Type": "application/xml; charset=utf-8"})


def responses(xml):
    """{href: {"ok": {name: element}, "missing": [names]}}"""
    root = ET.fromstring(xml)
    if root.tag != D + "multistatus":
        raise ValueError("root is %s" % root.tag)
    out = {}
    for r in root.findall(D + "response"):
        href = r.find(D + "href").text
        entry = {"ok": {}, "missing": []}
        for ps in r.findall(D + "propstat"):
            status = ps.find(D + "status").text
            for p in ps.find(D + "prop"):
                if " 200 " in status:
                    entry["ok"][p.tag] = p
                elif " 404 " in status:
                    entry["missing"].append(p.tag)
        if href in out:
            raise ValueError("%s twice" % href)
        out[href] = entry
    return out


def check(what, fn):
    try:
        why = fn()
    except Exception as e:  # a check that throws has failed
        why = "%s: %s" % (type(e).__name__, e)
    report(not why, what, why or "")


def href_of(rel, is_dir):
    segs = [urllib.parse.quote(s, safe="") for s in rel.split("/") if s]
    return "/dav/" + "/".join(segs) + ("/" if is_dir and segs else "")


def visible(folder):
    """What the share should list in folder: {href: stat}."""
    out = {}
    base = os.path.join(csv_dir, folder)
    for name in os.listdir(base):
        st = os.lstat(os.path.join(base, name))
        is_dir = os.path.isdir(os.path.join(base, name)) and \
            not os.path.islink(os.path.join(base, name))
        if name.startswith(".") or os.path.islink(os.path.join(base, name)):
            continue
        if not is_dir and not name.endswith(".csv"):
            continue
        out[href_of(folder + "/" + name, is_dir)] = st
    return out


def folder_listing():
    conn = connection()
    status, headers, body = propfind(conn, "/dav/" + big, "1")
    if status != 207:
        return "HTTP %d" % status
    got = responses(body)
    want = visible(big)
    want[href_of(big, True)] = os.stat(os.path.join(csv_dir, big))
    if set(got) != set(want):
        return "hrefs differ: %d got, %d wanted, e.g. %s" % (
            len(got), len(want), sorted(set(got) ^ set(want))[:3])
    for href, st in want.items():
        props = got[href]["ok"]
        is_dir = href.endswith("/")
        rt = props[D + "resourcetype"]
        if (rt.find(D + "collection") is not None) != is_dir:
            return "%s: resourcetype" % href
        if not is_dir and int(props[D + "getcontentlength"].text) != \
                st.st_size:
            return "%s: getcontentlength" % href
        lm = email.utils.parsedate_to_datetime(
            props[D + "getlastmodified"].text)
        if int(lm.timestamp()) != int(st.st_mtime):
            return "%s: getlastmodified %s" % (href, lm)
        cd = props[D + "creationdate"].text
        if time.strftime("%Y-%m-%dT%H:%M:%SZ",
                         time.gmtime(int(st.st_mtime))) != cd:
            return "%s: creationdate %s" % (href, cd)
        for p in ("displayname", "getetag", "getcontenttype",
                  "supportedlock", "lockdiscovery"):
            if D + p not in props:
                return "%s: no %s" % (href, p)
    return None


def etag_matches():
    conn = connection()
    status, _, body = propfind(conn, "/dav/" + big, "1")
    got = responses(body)
    files = [h for h in got if not h.endswith("/")][:5]
    for href in files:
        st, headers, data = request(conn, "GET", href)
        if st != 200:
            return "GET %s: HTTP %d" % (href, st)
        if headers.get("etag") != got[href]["ok"][D + "getetag"].text:
            return "%s: ETag %s, getetag %s" % (
                href, headers.get("etag"),
                got[href]["ok"][D + "getetag"].text)
    return None if files else "no files listed"


def odd_names():
    conn = connection()
    status, _, body = propfind(conn, href_of(odd, True), "1")
    if status != 207:
        return "HTTP %d" % status
    got = responses(body)
    want = visible(odd)
    want[href_of(odd, True)] = None
    if set(got) != set(want):
        return "hrefs %s, wanted %s" % (sorted(got), sorted(want))
    for href in got:
        if href.endswith("/"):
            continue
        name = urllib.parse.unquote(href.rsplit("/", 1)[1])
        if got[href]["ok"][D + "displayname"].text != name:
            return "%s: displayname %s" % (
                href, got[href]["ok"][D + "displayname"].text)
        st, _, data = request(conn, "GET", href)
        with open(os.path.join(csv_dir, odd, name), "rb") as f:
            if st != 200 or data != f.read():
                return "GET %s: HTTP %d, %d bytes" % (href, st, len(data))
    return None


PROP_BODY = b"""<?xml version="1.0" encoding="utf-8"?>
<!-- as davfs2 and Windows ask, with one property nobody has -->
<D:propfind xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:">
  <D:prop xmlns:E="http://example.com/ns">
    <D:getcontentlength/><D:resourcetype/><D:quota-available-bytes/>
    <D:quota-used-bytes/><E:colour/><Z:Win32FileAttributes/>
    <executable xmlns="http://apache.org/dav/props/"/>
  </D:prop>
</D:propfind>"""


def named_props():
    conn = connection()
    status, _, body = propfind(conn, "/dav/", "1", PROP_BODY)
    if status != 207:
        return "HTTP %d" % status
    got = responses(body)
    root = got.get("/dav/")
    if root is None:
        return "no /dav/ in %s" % sorted(got)
    for p in ("quota-available-bytes", "quota-used-bytes"):
        if D + p not in root["ok"] or int(root["ok"][D + p].text) < 0:
            return "/dav/: %s missing" % p
    if D + "getcontentlength" not in root["missing"]:
        return "/dav/: getcontentlength of a folder is not 404"
    for want in ("{http://example.com/ns}colour",
                 "{http://apache.org/dav/props/}executable"):
        if want not in root["missing"]:
            return "/dav/: %s not in the 404 propstat: %s" % (
                want, root["missing"])
    for href, entry in got.items():
        if D + "displayname" in entry["ok"]:
            return "%s: displayname was not asked for" % href
    attrs = root["ok"].get("{urn:schemas-microsoft-com:}Win32FileAttributes")
    if attrs is None or attrs.text != "00000010":
        return "/dav/: Win32FileAttributes %s" % (
            attrs.text if attrs is not None else None)
    return None


def propname():
    conn = connection()
    status, _, body = propfind(
        conn, "/dav/" + big, "0",
        b'<propfind xmlns="DAV:"><propname/></propfind>')
    got = responses(body)
    props = got[href_of(big, True)]["ok"]
    if D + "getlastmodified" not in props:
        return "no getlastmodified name"
    for tag, e in props.items():
        if (e.text or "").strip() or len(e):
            return "%s has a value" % tag
    return None


def keep_alive():
    """HEAD answers too: evhttp alone would send them a body."""
    conn = connection()
    steps = [
        ("PROPFIND", "/dav/", PROP_BODY, {"Depth": "0"}, 207),
        ("HEAD", "/dav/", None, {}, 200),
        ("HEAD", "/dav/nonesuch.csv", None, {}, 404),
        ("GET", "/dav/" + big, None, {}, 200),
        ("PROPFIND", "/dav/" + big, None, {"Depth": "1"}, 207),
        ("OPTIONS", "/dav/", None, {}, 200),
        ("POST", "/api/login", b"{}",
         {"Content-Type": "application/json", "X-Requested-With": "dav"},
         400),
        ("PROPFIND", "/dav", b"", {"Depth": "0"}, 207),
        ("MKCOL", "/dav/new/", None, {}, 403),
        ("HEAD", "/dav/" + big, None, {}, 200),
    ]
    sock = None
    for method, path, body, headers, want in steps:
        st, h, data = request(conn, method, path, body, headers)
        if st != want:
            return "%s %s: HTTP %d, wanted %d" % (method, path, st, want)
        if sock is None:
            sock = conn.sock
        elif conn.sock is not sock:
            return "%s %s came on a new connection" % (method, path)
        if method == "POST" and b"error" not in data:
            return "the POST after a PROPFIND was not the API's: %r" % data
    return None


def raw_tls():
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return tls_context().wrap_socket(raw, server_hostname=host)


class Stream:
    """One buffered reader for several answers on a socket: http.client
    reads each in turn, and closing one does not close the socket."""

    def __init__(self, sock):
        self.f = sock.makefile("rb")

    def makefile(self, mode, *args, **kwargs):
        return self

    def readline(self, *args):
        return self.f.readline(*args)

    def read(self, *args):
        return self.f.read(*args)

    def readinto(self, b):
        return self.f.readinto(b)

    def close(self):
        pass

    def flush(self):
        pass


def statuses(s, methods):
    """The status of each answer on s, read in order."""
    stream = Stream(s)
    out = []
    for m in methods:
        r = http.client.HTTPResponse(stream, method=m)
        r.begin()
        r.read()
        out.append(r.status)
    return out


def pipelined():
    body = b'<?xml version="1.0"?><propfind xmlns="DAV:"><prop>' \
        b'<getetag/></prop></propfind>'
    head = "Host: %s\r\nAuthorization: %s\r\n" % (host, AUTH)
    reqs = (("PROPFIND /dav/ HTTP/1.1\r\n%sDepth: 0\r\nContent-Length: %d"
             "\r\n\r\n" % (head, len(body))).encode() + body +
            ("GET /dav/%s HTTP/1.1\r\n%s\r\n" % (big, head)).encode() +
            ("PROPFIND /dav/ HTTP/1.1\r\n%sDepth: 1\r\n"
             "Transfer-Encoding: chunked\r\n\r\n%x\r\n" % (head, len(body))
             ).encode() + body + b"\r\n0\r\n\r\n" +
            ("DELETE /dav/x.csv HTTP/1.1\r\n%sConnection: close\r\n\r\n"
             % head).encode())
    s = raw_tls()
    s.sendall(reqs)
    got = statuses(s, ["PROPFIND", "GET", "PROPFIND", "DELETE"])
    s.close()
    return None if got == [207, 200, 207, 403] else "answers %s" % got


def split_method():
    s = raw_tls()
    s.sendall(b"PROP")
    time.sleep(0.3)
    s.sendall(("FIND /dav/ HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\n"
               "Depth: 0\r\nConnection: close\r\n\r\n" % (host, AUTH)
               ).encode())
    got = statuses(s, ["PROPFIND"])
    s.close()
    return None if got == [207] else "answers %s" % got


def lowercase_method():
    """Methods are case-sensitive: "propfind" is not PROPFIND."""
    s = raw_tls()
    s.sendall(("propfind /dav/ HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\n"
               "Depth: 0\r\nConnection: close\r\n\r\n" % (host, AUTH)
               ).encode())
    status = statuses(s, ["PROPFIND"])[0]
    s.close()
    return None if status == 501 else "HTTP %d, wanted 501" % status


check("Depth 1 of a big folder: every entry, sizes, dates, types",
      folder_listing)
check("getetag is the ETag of GET", etag_matches)
check("names with spaces, '&', UTF-8: percent-encoded hrefs, GET by them",
      odd_names)
check("prop: quota on folders, unknown properties in a 404 propstat",
      named_props)
check("propname: names without values", propname)
check("ten requests of every kind on one kept-alive connection",
      keep_alive)
check("four requests pipelined in one write, bodies framed both ways",
      pipelined)
check("a method split across TLS records", split_method)
check("a lower-case method is not taken for a WebDAV one",
      lowercase_method)
