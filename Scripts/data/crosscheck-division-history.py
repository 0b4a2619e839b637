#!/usr/bin/env python3
"""Compare the shipped division table with two compiled histories of GB/T 2260 codes.

Maintenance tool, standard library only, not run in CI. Prints the figures docs/STANDARDS.md
quotes. The histories are bare git directories of public repositories (the search tool's fetch):

  --areacodes-git     yescallop/areacodes result.csv: every county-level-and-above code since
                      1981 with 启用时间 (first year in use) and 变更/弃用时间 (first year no longer
                      in use), compiled from the MCA lists, the printed GB/T 2260 editions, the State
                      Council gazette and the MCA change records;
  --id-validator-git  jxlwqq/id-validator data/addressCodeTimeline.php (MCA lists 1980 ..) plus
                      data/additionalAddressCodeTimeline.php (from Wikipedia's
                      中华人民共和国行政区划代码 pages), each code with start_year / end_year.

    python3 Scripts/data/crosscheck-division-history.py \\
        --areacodes-git /work/.mirror/yescallop+areacodes/repo \\
        --id-validator-git /work/.mirror/jxlwqq+id-validator/repo

Both histories also fed the supplement (Scripts/data/gbt2260-supplement.tsv), so for them the
comparison is run on the table without the supplement too (--without-supplement shows it).
Groupings (市辖区, 县, 省直辖县级行政区划 ...) are compared apart: the table keeps only 市辖区.
"""

import argparse, collections, csv, io, re, subprocess

GROUPING_NAMES = {"市辖区", "县", "市", "市区", "省直辖行政单位", "省直辖县级行政单位", "省直辖县级行政区划",
                  "自治区直辖县级行政单位", "自治区直辖县级行政区划"}


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir=" + gitdir] + list(args), check=True,
                          capture_output=True).stdout.decode("utf-8-sig")


def ours(path, supplement_path, with_supplement):
    rows = {}
    supplement = set()
    with io.open(supplement_path, encoding="utf-8") as f:
        supplement = {l.split("\t")[0] for l in f if l[:1].isdigit()}
    with io.open(path, encoding="utf-8") as f:
        for line in f:
            if not line[:1].isdigit():
                continue
            code, name, first, last, source = line.rstrip("\n").split("\t")
            if not with_supplement and code in supplement:
                continue
            rows[code] = (name, int(first), int(last) if last else None, source)
    return rows


def areacodes(gitdir):
    """code -> (name, first year in a list, last year in a list or None while in use)."""
    out = {}
    for r in csv.DictReader(io.StringIO(git(gitdir, "show", "HEAD:result.csv"))):
        first = int(r["启用时间"])
        end = r["变更/弃用时间"]
        last = int(end) - 1 if end else None
        code = r["代码"]
        if code in out:  # a code reused: keep the widest span, the latest name
            n0, f0, l0 = out[code]
            last = None if (last is None or l0 is None) else max(last, l0)
            out[code] = (r["名称"] if (l0 is not None and (last is None or last >= l0)) else n0, min(f0, first), last)
        else:
            out[code] = (r["名称"], first, last)
    return out


def id_validator(gitdir):
    out = {}
    for path in ("data/addressCodeTimeline.php", "data/additionalAddressCodeTimeline.php"):
        text = git(gitdir, "show", "HEAD:" + path)
        for m in re.finditer(r"^    (\d{6}) => \[(.*?)^    \],?$", text, re.M | re.S):
            for e in re.finditer(r'"address" => "([^"]*)",\s*"start_year" => "?(\d*)"?,\s*"end_year" => "?(\d*)"?',
                                 m.group(2)):
                name, start, end = e.group(1), int(e.group(2)) if e.group(2) else 1980, int(e.group(3)) if e.group(3) else None
                if m.group(1) in out:
                    n0, f0, l0 = out[m.group(1)]
                    last = None if (end is None or l0 is None) else max(end, l0)
                    out[m.group(1)] = (name if end is None or (l0 is not None and end >= l0) else n0, min(f0, start), last)
                else:
                    out[m.group(1)] = (name, start, end)
    return out


def is_grouping(code, name):
    return name in GROUPING_NAMES or name.endswith("市辖区")


def compare(label, table, other, other_first_year):
    print("== %s" % label)
    ours_div = {c: v for c, v in table.items() if v[3] != "grouping"}
    ours_grp = {c for c, v in table.items() if v[3] == "grouping"}
    other_div = {c: v for c, v in other.items() if not is_grouping(c, v[0])}
    other_grp = {c for c, v in other.items() if is_grouping(c, v[0])}
    both = set(ours_div) & set(other_div)
    print("codes (groupings apart): table %d, other %d, in both %d" % (len(ours_div), len(other_div), len(both)))
    only_ours = sorted(set(ours_div) - set(other_div))
    only_other = sorted(set(other_div) - set(ours_div))
    cls = collections.Counter(table[c][3] for c in only_ours)
    print("only in the table: %d, by source %s" % (len(only_ours), dict(cls)))
    early = [c for c in only_ours if table[c][2] is not None and table[c][2] < other_first_year]
    print("  of them last listed before the other's first year %d: %d" % (other_first_year, len(early)))
    print("  sample:", " ".join("%s %s %s-%s" % (c, table[c][0], table[c][1], table[c][2] or "") for c in only_ours[:12]))
    print("only in the other: %d" % len(only_other))
    print("  sample:", " ".join("%s %s %s-%s" % (c, other[c][0], other[c][1], other[c][2] or "") for c in only_other[:25]))
    current_agree = sum(1 for c in both if (table[c][2] is None) == (other[c][2] is None))
    print("current/past agree: %d of %d" % (current_agree, len(both)))
    cur_diff = sorted(c for c in both if (table[c][2] is None) != (other[c][2] is None))
    print("  differ:", " ".join("%s %s/%s" % (c, table[c][2] or "now", other[c][2] or "now") for c in cur_diff[:20]))
    first_agree = sum(1 for c in both if max(table[c][1], other_first_year) == max(other[c][1], other_first_year))
    last_agree = sum(1 for c in both if table[c][2] == other[c][2]
                     or (table[c][2] is not None and other[c][2] is not None and abs(table[c][2] - other[c][2]) <= 0))
    off_by_one = sum(1 for c in both if table[c][2] is not None and other[c][2] is not None and abs(table[c][2] - other[c][2]) == 1)
    print("first year agrees: %d; last year agrees: %d (a further %d differ by one year)" % (first_agree, last_agree, off_by_one))
    name_agree = sum(1 for c in both if table[c][0] == other[c][0])
    print("name agrees: %d" % name_agree)
    print("groupings: table %d 市辖区, other %d groupings, in both %d" % (len(ours_grp), len(other_grp), len(ours_grp & other_grp)))
    return only_other


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--areacodes-git", required=True)
    ap.add_argument("--id-validator-git", required=True)
    ap.add_argument("--table", default="Sources/Standards/Resources/gbt2260-divisions.tsv")
    ap.add_argument("--supplement", default="Scripts/data/gbt2260-supplement.tsv")
    a = ap.parse_args()
    ac = areacodes(a.areacodes_git)
    iv = id_validator(a.id_validator_git)
    for with_supplement in (False, True):
        table = ours(a.table, a.supplement, with_supplement)
        tag = "with" if with_supplement else "without"
        print("##### table %s the supplement: %d codes" % (tag, len(table)))
        compare("yescallop/areacodes result.csv (1981-)", table, ac, 1981)
        compare("jxlwqq/id-validator timelines (1980-)", table, iv, 1980)


if __name__ == "__main__":
    main()
