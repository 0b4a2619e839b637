#!/usr/bin/env python3
"""Generate the standards test corpus: Tests/StandardsTests/Corpus/{ids,uscc}.tsv.

Each row is `value <TAB> expected (valid|invalid) <TAB> rule (the expected first error rule, or
the class of a valid value) <TAB> why`. Values are built from the rules in docs/STANDARDS.md with
their own check arithmetic (written out again here), from the shipped division table, with a
fixed seed, so the corpus is the same every run. Run from the repository root:

    python3 Scripts/data/make-standards-corpus.py
"""
import io, random

rng = random.Random(18)
W_ID = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W_CC = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
TYPES = {"1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129", "7": "129",
         "8": "19", "9": "123", "A": "19", "N": "1239", "Y": "1"}

rows = {}
for line in io.open("Sources/Standards/Resources/gbt2260-divisions.tsv", encoding="utf-8"):
    if line.startswith("#") or line.startswith("code\t"):
        continue
    code, name, first, last, source = line.rstrip("\n").split("\t")
    rows[code] = (int(first), int(last) if last else None, source)
# Codes of the supplement (in none of cn/GB2260's lists, dated by a second source) have their own
# class, drawn after every other row, so the other classes stay what they were before it existed.
supplement = {}
for line in io.open("Scripts/data/gbt2260-supplement.tsv", encoding="utf-8"):
    if line[:1].isdigit():
        code, name = line.split("\t")[:2]
        assert code in rows, "supplement code %s is missing from the division table: regenerate it" % code
        supplement[code] = name
counties = sorted(c for c in rows if not c.endswith("00") and c not in supplement)
by_source = {}
for c, (_, _, s) in rows.items():
    if c not in supplement:
        by_source.setdefault(s, []).append(c)
unknown = [c for c in ("%06d" % n for n in range(110000, 660000, 7)) if c not in rows and c[:2] != "00"]
unknown = [c for c in unknown if c not in ("429000", "469000")][:400] + ["429000", "469000"]


def id_check(first17):
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, W_ID)) % 11]


def days(year, month):
    if month == 2:
        return 29 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 28
    return 30 if month in (4, 6, 9, 11) else 31


def birth(lo=1900, hi=2024):
    y = rng.randint(lo, hi); m = rng.randint(1, 12)
    return "%04d%02d%02d" % (y, m, rng.randint(1, days(y, m)))


def valid_id(address, date=None):
    body = address + (date or birth()) + "%03d" % rng.randint(0, 999)
    return body + id_check(body)


ids = []
for _ in range(2400):   # any county code of any year, birth date independent of the code's years
    c = rng.choice(counties)
    ids.append((valid_id(c), "valid", "historical" if rows[c][1] else "current", "address code listed %d-%s" % (rows[c][0], rows[c][1] or "now")))
for _ in range(300):    # born before the code existed: accepted (codes assigned at issue, 1984-1999)
    c = rng.choice([c for c in counties if rows[c][0] >= 1990])
    ids.append((valid_id(c, birth(1920, rows[c][0] - 1)), "valid", "born_before_code", "born before %s existed" % c))
for s in ("grouping", "stats", "permit"):
    for _ in range(100 if s != "permit" else 20):
        ids.append((valid_id(rng.choice(by_source[s])), "valid", s, "%s address code" % s))
for _ in range(100):    # lowercase x, surrounding white space
    v = valid_id(rng.choice(counties))
    while not v.endswith("X"):
        v = valid_id(rng.choice(counties))
    ids.append((v[:-1] + "x", "valid", "lowercase_x", "lowercase x is normalized"))
for pad in ("\u3000", "\u00a0", " ", "\t"):
    for _ in range(25):
        ids.append((pad + valid_id(rng.choice(counties)) + pad, "valid", "trimmed", "white space U+%04X trimmed" % ord(pad)))
for _ in range(200):    # legacy 15-digit
    c = rng.choice(counties)
    ids.append((c + birth(1900, 1999)[2:] + "%03d" % rng.randint(0, 999), "valid", "legacy15", "GB 11643-1989"))
for _ in range(600):    # wrong check character
    v = valid_id(rng.choice(counties))
    wrong = rng.choice([ch for ch in "0123456789X" if ch != v[-1]])
    ids.append((v[:-1] + wrong, "invalid", "id.check_char", "check character changed"))
for _ in range(400):    # unknown address code
    body = rng.choice(unknown) + birth() + "%03d" % rng.randint(0, 999)
    ids.append((body + id_check(body), "invalid", "id.address_code", "never a GB/T 2260 code"))
for _ in range(300):    # impossible dates
    y = rng.randint(1901, 2020)
    bad = rng.choice(["%04d0230" % y, "%04d1301" % y, "%04d0431" % y, "%04d0000" % y, "%04d0229" % (y if y % 4 else y + 1)])
    body = rng.choice(counties) + bad + "%03d" % rng.randint(0, 999)
    ids.append((body + id_check(body), "invalid", "id.birth_date", "not a calendar date"))
for _ in range(150):    # before 1850
    body = rng.choice(counties) + birth(1700, 1849) + "%03d" % rng.randint(0, 999)
    ids.append((body + id_check(body), "invalid", "id.birth_date", "before 1850"))
for _ in range(150):    # in the future (the test's today is 2026-06-01)
    body = rng.choice(counties) + birth(2027, 2090) + "%03d" % rng.randint(0, 999)
    ids.append((body + id_check(body), "invalid", "id.birth_future", "after today"))
for _ in range(150):    # length
    v = valid_id(rng.choice(counties))
    ids.append((v[:rng.choice([0, 5, 14, 16, 17])] if rng.random() < .5 else v + "1", "invalid", "id.length", "wrong length"))
for _ in range(150):    # bad characters
    v = valid_id(rng.choice(counties)); i = rng.randint(0, 16)
    ids.append((v[:i] + rng.choice("AOx-１") + v[i + 1:], "invalid", "id.charset", "letter or full-width digit inside"))

ccs = []


def cc(authority, typ, division):
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    s = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(body, [3, 7, 9, 10, 5, 8, 4, 2]))
    c = 11 - s % 11
    first17 = authority + typ + division + body + ("X" if c == 10 else "0" if c == 11 else str(c))
    return first17 + ALPHA[(31 - sum(ALPHA.index(ch) * w for ch, w in zip(first17, W_CC)) % 31) % 31]


def any_cc(division=None):
    a = rng.choice(list(TYPES))
    return cc(a, rng.choice(TYPES[a]), division or rng.choice(counties)), a


for _ in range(1000):
    v, a = any_cc()
    ccs.append((v, "valid", "authority_" + a, "authority %s" % a))
for s in ("grouping", "stats"):
    for _ in range(100):
        ccs.append((any_cc(rng.choice(by_source[s]))[0], "valid", s, "%s division" % s))
for _ in range(50):
    ccs.append((any_cc("100000")[0], "valid", "national", "central registration 100000"))
for _ in range(50):
    ccs.append((any_cc()[0].lower(), "valid", "lowercase", "lowercase normalized"))
for _ in range(300):
    v, _ = any_cc()
    wrong = rng.choice([ch for ch in ALPHA if ch != v[-1]])
    ccs.append((v[:-1] + wrong, "invalid", "uscc.check_char", "check character changed"))
for _ in range(150):
    ccs.append((any_cc(rng.choice(unknown))[0], "invalid", "uscc.division", "never a division code"))
for _ in range(100):
    a = rng.choice(list(TYPES)); t = rng.choice([ch for ch in "123459" if ch not in TYPES[a]] or ["8"])
    ccs.append((cc(a, t, rng.choice(counties)), "invalid", "uscc.entity_type", "type %s not registered by %s" % (t, a)))
for _ in range(100):
    ccs.append((cc(rng.choice("BCDEFGHJ"), "1", rng.choice(counties)), "invalid", "uscc.authority", "no such authority"))
for _ in range(150):
    v, _ = any_cc()
    ccs.append((v[:rng.choice([0, 15, 17])] if rng.random() < .5 else v + "0", "invalid", "uscc.length", "wrong length"))

# The supplement: every code once in an ID (born any year) and in a credit code, the codes the
# audit of issue 18 named twice more, and a legacy 15-digit number for those.
named = ["320212", "450111", "362502", "460037", "632859", "110209", "332727"]
for c in sorted(supplement) + named * 2:
    ids.append((valid_id(c), "valid", "supplement", "address code %s %s, supplement" % (c, supplement[c])))
for c in named:
    ids.append((c + birth(1900, 1999)[2:] + "%03d" % rng.randint(0, 999), "valid", "supplement", "GB 11643-1989, %s %s" % (c, supplement[c])))
for c in sorted(supplement):
    ccs.append((any_cc(c)[0], "valid", "supplement", "division %s %s, supplement" % (c, supplement[c])))

for path, table in (("Tests/StandardsTests/Corpus/ids.tsv", ids), ("Tests/StandardsTests/Corpus/uscc.tsv", ccs)):
    with io.open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("# Generated by Scripts/data/make-standards-corpus.py (seed 18); expectations from docs/STANDARDS.md.\n")
        f.write("value\texpected\trule\twhy\n")
        for v, e, r, why in table:
            assert "\t" not in v.strip("\t") or True
            f.write("%s\t%s\t%s\t%s\n" % (v.replace("\t", "\\t"), e, r, why))
    print(path, len(table))
