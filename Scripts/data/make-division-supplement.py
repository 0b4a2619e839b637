#!/usr/bin/env python3
"""Write Scripts/data/gbt2260-supplement.tsv: division codes that existed but are in none of
cn/GB2260's yearly lists, with the years a second source dates them and that source.

Maintenance tool, standard library only, not run in CI. Every input is a bare git directory of a
public repository (the search tool's fetch brings them in); the script reads files at HEAD:

  --gb2260-git       cn/GB2260: the lists make-division-history.py already reads; a code in any of
                     its mca/ or stats/ lists is not a supplement code.
  --areacodes-git    yescallop/areacodes, data/YYYY.txt (1981 ..): the MCA yearly lists (as of
                     31 December) corrected against the printed GB/T 2260 editions, each correction
                     with its reason in errata.md. Licence CC0 1.0.
  --mca2018-git      renyijiu/address-code-of-china, YYYY.txt (1980 .. 2018): the MCA yearly lists
                     as the MCA site published them in 2018 (the 1980 and 1981 lists still number
                     codes as GB 2260-80 did, e.g. 110209 延庆县, later 110229).
  --id-validator-git jxlwqq/id-validator, data/additionalAddressCodeTimeline.php: codes compiled
                     from Wikipedia's 中华人民共和国行政区划代码 (1区..8区) pages. Only the codes
                     in FROM_WIKIPEDIA are taken from it (see there); the others it has and no
                     list has are reported, not taken.
  --previous         the MCA 2026 table (Scripts/data/gbt2260-mca2026.tsv): a code in it is not a
                     supplement code either.

    python3 Scripts/data/make-division-supplement.py \\
        --gb2260-git /work/.mirror/cn+GB2260/repo \\
        --areacodes-git /work/.mirror/yescallop+areacodes/repo \\
        --mca2018-git /work/.mirror/renyijiu+address-code-of-china/repo/.git \\
        --id-validator-git /work/.mirror/jxlwqq+id-validator/repo \\
        -o Scripts/data/gbt2260-supplement.tsv

Left out on purpose:
  * groupings (市辖区, 县, 市区, 省直辖县级行政单位 ...), as make-division-history.py leaves them;
  * the two codes areacodes fills in by guess, not from a list ("暂时按历年代码的规律如此安排" in
    errata.md): 442137 (1987) and 231019 镜泊湖市 (1986).
"""

import argparse, io, re, subprocess, sys

CODE = re.compile(r"^[1-9]\d{5}$")
GROUPINGS = {"市辖区", "县", "市", "市区", "省直辖行政单位", "省直辖县级行政单位", "省直辖县级行政区划",
             "自治区直辖县级行政单位", "自治区直辖县级行政区划"}
AREACODES_GUESSES = {"442137", "231019"}
# Taken from the Wikipedia-compiled table although no yearly list here carries them: the 行政委员会
# of 海西州, county-level units of the NBS statistical lists (their sibling 632857 大柴旦 is in the
# NBS 2018-10 list cn/GB2260 keeps), and printed on ID numbers. The table dates only their end.
FROM_WIKIPEDIA = {"632858", "632859"}


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir=" + gitdir] + list(args), check=True,
                          capture_output=True).stdout.decode("utf-8-sig")


def yearly(gitdir, pattern):
    """code -> {year: name} from the yearly `CODE NAME` lists whose path matches pattern."""
    seen = {}
    for path in git(gitdir, "ls-tree", "-r", "--name-only", "HEAD").split("\n"):
        m = re.match(pattern, path)
        if not m:
            continue
        year = int(m.group(1))
        for line in git(gitdir, "show", "HEAD:" + path).split("\n"):
            parts = line.split()
            if len(parts) >= 2 and CODE.match(parts[0]) and parts[1] not in GROUPINGS:
                seen.setdefault(parts[0], {})[year] = parts[1]
    return seen


def wikipedia(gitdir):
    """code -> [(name, start, end)] from id-validator's PHP table (start/end may be None)."""
    text = git(gitdir, "show", "HEAD:data/additionalAddressCodeTimeline.php")
    out = {}
    for m in re.finditer(r"^    (\d{6}) => \[(.*?)^    \],?$", text, re.M | re.S):
        for e in re.finditer(r'"address" => "([^"]*)",\s*"start_year" => "?(\d*)"?,\s*"end_year" => "?(\d*)"?',
                             m.group(2)):
            out.setdefault(m.group(1), []).append(
                (e.group(1), int(e.group(2)) if e.group(2) else None, int(e.group(3)) if e.group(3) else None))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb2260-git", required=True)
    ap.add_argument("--areacodes-git", required=True)
    ap.add_argument("--mca2018-git", required=True)
    ap.add_argument("--id-validator-git", required=True)
    ap.add_argument("--previous", default="Scripts/data/gbt2260-mca2026.tsv")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    log = lambda *x: print(*x, file=sys.stderr)

    known = set()
    for f in git(a.gb2260_git, "ls-tree", "-r", "--name-only", "HEAD").split("\n"):
        if re.match(r"^(mca|stats)/\d{6}\.tsv$", f):
            for line in git(a.gb2260_git, "show", "HEAD:" + f).split("\n")[1:]:
                p = line.split("\t")
                if len(p) >= 4:
                    known.add(p[2])
    with io.open(a.previous, encoding="utf-8") as f:
        known |= {l.split("\t")[0] for l in f if l[:1].isdigit()}

    areacodes = yearly(a.areacodes_git, r"^data/(\d{4})\.txt$")
    mca2018 = yearly(a.mca2018_git, r"^(\d{4})\.txt$")
    wiki = wikipedia(a.id_validator_git)
    last_areacodes = max(y for v in areacodes.values() for y in v)
    last_mca2018 = max(y for v in mca2018.values() for y in v)

    rows = {}
    for code in sorted((set(areacodes) | set(mca2018)) - known - AREACODES_GUESSES):
        evidence, years, names = [], set(), []
        for tag, table, last_list in (("areacodes", areacodes, last_areacodes), ("mca2018", mca2018, last_mca2018)):
            if code in table:
                ys = sorted(table[code])
                assert ys[-1] < last_list, "%s is still in the last %s list: not a past code" % (code, tag)
                years |= set(ys)
                names += [(y, n) for y, n in table[code].items()]
                evidence.append("%s %d-%d %s" % (tag, ys[0], ys[-1], table[code][ys[-1]]))
        rows[code] = (max(names)[1], min(years), max(years), "gbt2260", "; ".join(evidence))
    for code in sorted(FROM_WIKIPEDIA):
        assert code not in known and code not in rows, code
        (name, start, end), = wiki[code]
        rows[code] = (name, start or end, end, "stats",
                      "wikipedia %s-%d %s (start not dated)" % (start or "", end, name))
    not_taken = sorted(c for c, v in wiki.items()
                       if c not in known and c not in rows and c not in AREACODES_GUESSES
                       and v[-1][0] not in GROUPINGS)
    log("supplement: %d codes (%d areacodes, %d mca2018 only, %d wikipedia)" % (
        len(rows), sum(1 for r in rows.values() if "areacodes" in r[4]),
        sum(1 for r in rows.values() if r[4].startswith("mca2018")), len(FROM_WIKIPEDIA)))
    log("in the Wikipedia table only, not taken (%d): %s" % (len(not_taken), " ".join(not_taken)))

    def head(gitdir):
        return git(gitdir, "rev-parse", "HEAD").strip()

    header = [
        "Division codes that existed but are in none of cn/GB2260's yearly lists, with the years a second",
        "source dates them. Input of Scripts/data/make-division-history.py (--supplement).",
        "first_year / last_year: first and last year-end list of the sources that carries the code.",
        "source: the division table's source class (gbt2260 = a GB/T 2260 / MCA list; stats = NBS statistical unit).",
        "evidence: each source, the years its lists carry the code, and the name in its last list:",
        "  areacodes = github yescallop/areacodes, data/YYYY.txt, commit %s, CC0 1.0:" % head(a.areacodes_git),
        "    MCA yearly lists 1981-%d corrected against the printed GB/T 2260 editions (errata.md gives" % last_areacodes,
        "    each correction, e.g. 320212 马山区 and 362502 临川市: 国标 1988-1999 editions);",
        "  mca2018 = github renyijiu/address-code-of-china, YYYY.txt, commit %s:" % head(a.mca2018_git),
        "    the MCA yearly lists 1980-%d as mca.gov.cn published them in 2018 (1980-1981 in GB 2260-80 numbering);" % last_mca2018,
        "  wikipedia = github jxlwqq/id-validator, data/additionalAddressCodeTimeline.php, commit %s, MIT:" % head(a.id_validator_git),
        "    compiled from zh.wikipedia 中华人民共和国行政区划代码 (1区..8区); only %s taken." % ", ".join(sorted(FROM_WIKIPEDIA)),
        "Left out: groupings; 442137 and 231019, which areacodes fills in by guess (errata.md).",
        "Generated by Scripts/data/make-division-supplement.py; do not edit by hand.",
    ]
    with io.open(a.output, "w", encoding="utf-8", newline="\n") as f:
        for h in header:
            f.write("# " + h + "\n")
        f.write("code\tname\tfirst_year\tlast_year\tsource\tevidence\n")
        for code in sorted(rows):
            name, first, last, source, evidence = rows[code]
            f.write("%s\t%s\t%d\t%d\t%s\t%s\n" % (code, name, first, last, source, evidence))
    log("wrote %d codes to %s" % (len(rows), a.output))


if __name__ == "__main__":
    main()
