"""The layers of core/ (core/README.md), checked on the tree's includes.

Each folder of core/ has a rank; a file may include headers of its own
folder and of lower ranks.  The api_* files are the API's wherever they
live (beside their feature): they rank with api/.  Only daemon/ includes
daemon/daemon.h.  modules/ ranks with config/: module.h is the interface
through which config/ lets each kind read its own settings, and the
modules use no more than base/ and config/.  core/sim/ (mews-sim) ranks
with modbus/.  Prints one line per check: "ok|DESCRIPTION" or
"not ok|DESCRIPTION".
"""
import os
import re
import sys

ORDER = ("base config energy modbus devices gateway history groups reports "
         "alarms web share export api daemon").split()
RANK = {f: i for i, f in enumerate(ORDER)}
MAX_C = 12

INCLUDE = re.compile(r'\s*#\s*include\s+"([^"]+)"')


def say(good, text):
    print("%s|%s" % ("ok" if good else "not ok", text))


def rank_of(path):
    parts = path.split("/")
    if parts[0] == "modules":
        return RANK["config"], "modules"
    folder = parts[1]
    if folder == "sim":
        return RANK["modbus"], "sim"
    if os.path.basename(path).startswith("api") and folder != "api":
        return RANK["api"], folder
    return RANK[folder], folder


def main(top):
    os.chdir(top)
    sources = []
    for root in ("core", "modules"):
        for d, _, files in os.walk(root):
            sources += [os.path.join(d, f) for f in files
                        if f.endswith((".c", ".h"))]
    sources.sort()
    loose = [s for s in sources if s.count("/") == 1 and
             s.startswith("core/")]
    say(not loose, "core/ holds folders, no loose source: %s" %
        (" ".join(loose) or "none"))
    folders = sorted(d for d in os.listdir("core")
                     if os.path.isdir(os.path.join("core", d)))
    unknown = [f for f in folders if f not in RANK and f != "sim"]
    say(not unknown, "every folder of core/ has its layer: %s" %
        (" ".join(unknown) or "all %d" % len(folders)))
    for f in folders:
        n = len([x for x in os.listdir(os.path.join("core", f))
                 if x.endswith(".c")])
        say(n <= MAX_C, "core/%s/ holds %d .c files (at most %d)" %
            (f, n, MAX_C))
    crossings = 0
    for src in sources:
        if src.startswith("core/") and src.count("/") == 1:
            continue
        r, folder = rank_of(src)
        for line in open(src, encoding="utf-8"):
            m = INCLUDE.match(line)
            if not m:
                continue
            inc = m.group(1)
            if "/" not in inc:
                local = os.path.join(os.path.dirname(src), inc)
                if src.startswith("core/") and not os.path.exists(local):
                    say(False, "%s includes \"%s\" without its folder" %
                        (src, inc))
                continue
            to = inc.split("/")[0]
            if not os.path.exists(os.path.join("core", inc)) and not (
                    to == "modules" and os.path.exists(inc)):
                say(False, "%s includes %s, which is not in core/ or "
                    "modules/" % (src, inc))
                continue
            to_rank = RANK["config"] if to == "modules" else RANK[to]
            up = to != folder and (to_rank > r or (
                to == "daemon" and folder != "daemon"))
            if not up:
                continue
            crossings += 1
            say(False, "%s (%s) includes %s, a higher layer" %
                (src, folder, inc))
    say(crossings == 0, "no include reaches a higher layer")
    # core/README.md's table names each folder's .c files, no more.
    table = {}
    for line in open("core/README.md", encoding="utf-8"):
        m = re.match(r"\| (\w+) \| (.*) \|$", line)
        if m and m.group(1) != "folder":
            names = re.sub(r"\([a-z_]+\.h\)", "", m.group(2))
            table[m.group(1)] = set(re.findall(r"[a-z_]+", names))
    for f in folders:
        have = {x[:-2] for x in os.listdir(os.path.join("core", f))
                if x.endswith(".c")}
        named = table.get(f, set())
        missing = sorted(have - named)
        say(not missing, "core/README.md names core/%s/'s files%s" %
            (f, ": not " + " ".join(missing) if missing else ""))
        if f != "sim":
            extra = sorted(x for x in named - have if not os.path.exists(
                os.path.join("core", f, x + ".h")))
            say(not extra, "core/README.md names no file core/%s/ lacks%s"
                % (f, ": " + " ".join(extra) if extra else ""))


if __name__ == "__main__":
    main(sys.argv[1])
