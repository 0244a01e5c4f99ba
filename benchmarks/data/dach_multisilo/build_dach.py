"""Held-out DACH multi-silo set (A): hand-written cases + small hand-written templates.

Written without looking at the project's matcher, word lists, tests or demo generator.
Writes into /work/holdout/dach/:
  crm_kontakte.csv   (CRM export: German headers, ';', UTF-8 with BOM, CRLF)
  shop_kunden.json   (web-shop export)
  erp.sqlite         (ERP, table kunden)
  newsletter.csv     (newsletter tool: ',' UTF-8 without BOM)
  truth.csv          (silo,source_id,entity_id,case,group,kind)
  truth_contacts.csv (silo,source_id#contact,entity_id of the contact person named on an org record)
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import random
import sqlite3
from pathlib import Path

import phonenumbers

OUT = Path(__file__).resolve().parent / "dach"
R = random.Random(4711)

# ----------------------------------------------------------------------------- places
# (postal code, city, area code without 0, country)
PLACES = {
    "DE": [
        ("10115", "Berlin", "30"), ("10437", "Berlin", "30"), ("12043", "Berlin", "30"),
        ("20095", "Hamburg", "40"), ("22767", "Hamburg", "40"), ("80331", "München", "89"),
        ("80799", "München", "89"), ("81667", "München", "89"), ("50667", "Köln", "221"),
        ("50823", "Köln", "221"), ("60311", "Frankfurt am Main", "69"), ("70173", "Stuttgart", "711"),
        ("90402", "Nürnberg", "911"), ("04109", "Leipzig", "341"), ("01067", "Dresden", "351"),
        ("28195", "Bremen", "421"), ("30159", "Hannover", "511"), ("44135", "Dortmund", "231"),
        ("45127", "Essen", "201"), ("40213", "Düsseldorf", "211"), ("68159", "Mannheim", "621"),
        ("76133", "Karlsruhe", "721"), ("79098", "Freiburg im Breisgau", "761"),
        ("93047", "Regensburg", "941"), ("86150", "Augsburg", "821"), ("97070", "Würzburg", "931"),
        ("24103", "Kiel", "431"), ("18055", "Rostock", "381"), ("99084", "Erfurt", "361"),
        ("55116", "Mainz", "6131"), ("53111", "Bonn", "228"), ("48143", "Münster", "251"),
        ("33602", "Bielefeld", "521"), ("83022", "Rosenheim", "8031"), ("72070", "Tübingen", "7071"),
    ],
    "AT": [
        ("1010", "Wien", "1"), ("1070", "Wien", "1"), ("1100", "Wien", "1"), ("1180", "Wien", "1"),
        ("8010", "Graz", "316"), ("4020", "Linz", "732"), ("5020", "Salzburg", "662"),
        ("6020", "Innsbruck", "512"), ("9020", "Klagenfurt am Wörthersee", "463"),
        ("3100", "St. Pölten", "2742"), ("6900", "Bregenz", "5574"), ("4600", "Wels", "7242"),
        ("2700", "Wiener Neustadt", "2622"), ("8700", "Leoben", "3842"),
    ],
    "CH": [
        ("8001", "Zürich", "44"), ("8004", "Zürich", "44"), ("8400", "Winterthur", "52"),
        ("3011", "Bern", "31"), ("4051", "Basel", "61"), ("6003", "Luzern", "41"),
        ("9000", "St. Gallen", "71"), ("5000", "Aarau", "62"), ("6300", "Zug", "41"),
        ("7000", "Chur", "81"), ("6900", "Lugano", "91"), ("1003", "Lausanne", "21"),
        ("2502", "Biel/Bienne", "32"),
    ],
}
STREETS = {
    "DE": ["Hauptstraße", "Bahnhofstraße", "Goethestraße", "Schillerstraße", "Lindenallee", "Am Markt",
           "Kirchgasse", "Gartenweg", "Friedrich-Ebert-Straße", "Mozartstraße", "Bergstraße",
           "Ringstraße", "Rosenweg", "Waldstraße", "Dorfstraße", "Sonnenstraße", "Mühlenweg",
           "Kastanienallee", "Wilhelmstraße", "Luisenstraße", "Parkstraße", "Schulstraße",
           "Feldstraße", "Große Straße", "Weißenburger Straße", "Grüner Weg"],
    "AT": ["Mariahilfer Straße", "Landstraßer Hauptstraße", "Herrengasse", "Annenstraße",
           "Linzer Gasse", "Maria-Theresien-Straße", "Schubertgasse", "Kärntner Straße", "Hauptplatz",
           "Wiener Straße", "Bahnhofgasse", "Grazer Straße", "Schloßgasse"],
    "CH": ["Bahnhofstrasse", "Seestrasse", "Dorfstrasse", "Kirchgasse", "Rosenweg", "Hauptstrasse",
           "Marktgasse", "Zürichstrasse", "Bernstrasse", "Rebbergstrasse", "Schulhausstrasse",
           "Weinbergstrasse", "Im Grund"],
}
FREEMAIL = {
    "DE": ["gmx.de", "web.de", "t-online.de", "gmail.com", "posteo.de", "outlook.de", "freenet.de"],
    "AT": ["gmx.at", "aon.at", "a1.net", "chello.at", "gmail.com"],
    "CH": ["bluewin.ch", "gmx.ch", "sunrise.ch", "hispeed.ch", "gmail.com"],
}
MOBILE_PREFIX = {"DE": ["151", "160", "170", "171", "172", "176", "157"], "AT": ["664", "676", "699", "650"],
                 "CH": ["79", "78", "76", "77"]}
CC = {"DE": "49", "AT": "43", "CH": "41"}

FIRST_M = {
    "DE": ["Thomas", "Michael", "Andreas", "Stefan", "Markus", "Christian", "Jürgen", "Klaus", "Uwe",
           "Frank", "Jörg", "Matthias", "Tobias", "Florian", "Sebastian", "Lukas", "Jonas", "Felix",
           "Dieter", "Günter", "Wolfgang", "Bernd", "Ralf", "Oliver", "Daniel", "Philipp", "Moritz",
           "Niklas", "Torsten", "Holger", "Björn", "Sören"],
    "AT": ["Franz", "Gerhard", "Herbert", "Helmut", "Wolfgang", "Manfred", "Günther", "Christoph",
           "Bernhard", "Lukas", "David", "Florian", "Martin", "Harald", "Reinhard", "Stefan"],
    "CH": ["Urs", "Beat", "Reto", "Heinz", "Peter", "Marco", "Lukas", "Daniel", "Roger", "Patrick",
           "Adrian", "Thomas", "Martin", "Christian", "René", "Simon"],
}
FIRST_F = {
    "DE": ["Sabine", "Petra", "Claudia", "Susanne", "Monika", "Birgit", "Karin", "Ute", "Anja",
           "Nicole", "Julia", "Katrin", "Sandra", "Melanie", "Laura", "Hannah", "Sophie", "Marie",
           "Anna", "Johanna", "Jutta", "Renate", "Heike", "Bärbel", "Doris", "Ingrid", "Silke",
           "Kerstin", "Annika", "Frauke"],
    "AT": ["Elisabeth", "Maria", "Christine", "Sabine", "Brigitte", "Eva", "Birgit", "Theresa",
           "Sarah", "Katharina", "Barbara", "Gertrude", "Waltraud", "Herta"],
    "CH": ["Silvia", "Ursula", "Regula", "Corinne", "Barbara", "Monika", "Daniela", "Nadine",
           "Sandra", "Brigitte", "Esther", "Franziska", "Priska", "Seraina"],
}
LAST = {
    "DE": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
           "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
           "Schwarz", "Zimmermann", "Braun", "Krüger", "Hartmann", "Lange", "Werner", "Krause",
           "Lehmann", "Köhler", "Groß", "Weiß", "Jäger", "Voß", "Kühn", "Böhm", "Fuchs", "Scholz",
           "Brandt", "Vogel", "Roth", "Engel", "Horn", "Bergmann", "Pohl", "Sommer", "Franke",
           "Thießen", "Rößler", "Düring", "Hölscher", "Nüßlein", "Ostendorf", "Janßen", "Claßen"],
    "AT": ["Gruber", "Huber", "Pichler", "Steiner", "Moser", "Hofer", "Leitner", "Berger", "Eder",
           "Winkler", "Reiter", "Mayr", "Wimmer", "Egger", "Brunner", "Baumgartner", "Auer", "Binder",
           "Lechner", "Wallner", "Aigner", "Ebner", "Koller", "Lehner", "Schuster", "Holzer",
           "Strauß", "Pölzl", "Größing", "Kröll"],
    "CH": ["Keller", "Schmid", "Gerber", "Baumann", "Frei", "Widmer", "Wyss", "Graf", "Suter",
           "Bachmann", "Studer", "Bühler", "Kälin", "Zürcher", "Lüthi", "Rüegg", "Hässig", "Ammann",
           "Meier", "Brunner", "Gisler", "Odermatt", "Sutter", "Zehnder"],
}
FLAT = {"Herr": "Herrn"}

# ----------------------------------------------------------------------------- helpers


def translit(s: str) -> str:
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss"),
                 ("é", "e"), ("è", "e")):
        s = s.replace(a, b)
    return s


def mail_local(first: str, last: str, style: int) -> str:
    f, l = translit(first).lower().replace(" ", ""), translit(last).lower().replace(" ", "")
    return [f"{f}.{l}", f"{f[0]}.{l}", f"{f}{l}", f"{f}_{l}", f"{l}.{f}", f"{f[0]}{l}",
            f"{f}.{l}{R.randint(60, 99)}", f"{l}{f[0]}"][style % 8]


def new_number(cc: str, area: str, mobile=False) -> tuple[str, str]:
    """(country, national significant number) that phonenumbers accepts as valid."""
    for _ in range(200):
        if mobile:
            pre = R.choice(MOBILE_PREFIX[cc])
            n = 7 if cc != "DE" else R.choice([7, 8])
            nsn = pre + str(R.randint(2, 9)) + "".join(str(R.randint(0, 9)) for _ in range(n - 1))
        else:
            n = {"DE": 10, "AT": 10, "CH": 9}[cc] - len(area)
            if cc == "DE" and len(area) == 2:
                n = R.choice([7, 8])
            nsn = area + str(R.randint(2, 9)) + "".join(str(R.randint(0, 9)) for _ in range(n - 1))
        if phonenumbers.is_valid_number(phonenumbers.parse("+" + CC[cc] + nsn)):
            return (cc, nsn)
    raise RuntimeError("no valid number")


AREA_LEN = {}


def fmt_phone(ph, style=None, area_len=None) -> str:
    if not ph:
        return ""
    cc, nsn = ph
    x = phonenumbers.parse("+" + CC[cc] + nsn)
    intl = phonenumbers.format_number(x, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    nat = phonenumbers.format_number(x, phonenumbers.PhoneNumberFormat.NATIONAL)
    style = R.randint(0, 6) if style is None else style
    parts = nat.split(" ", 1)
    area, rest = (parts[0], parts[1].replace(" ", "")) if len(parts) == 2 else (nat[:4], nat[4:])
    if cc == "CH":
        rest_g = f"{rest[:3]} {rest[3:5]} {rest[5:]}" if len(rest) == 7 else rest
        opts = [intl, nat, f"0041 {area[1:]} {rest_g}", f"{area}/{rest_g}", f"+41 {area[1:]} {rest}",
                f"{area} {rest_g}", f"+41 (0){area[1:]} {rest_g}"]
    else:
        opts = [intl, f"{area} {rest}", f"{area}/{rest}", f"00{CC[cc]} {area[1:]} {rest}",
                f"+{CC[cc]} (0){area[1:]} {rest}", f"({area}) {rest}", f"{area}-{rest}"]
        if cc == "DE":
            opts.append(f"+{CC[cc]}{area[1:]}{rest}")
    return opts[style % len(opts)]


def street_variant(street: str, cc: str, style: int) -> str:
    """Straße / Str. / Strasse, as people and systems write it."""
    s = street
    if cc == "CH":
        return s.replace("strasse", "str.") if style == 1 else s
    if style == 1:
        s = s.replace("straße", "str.").replace("Straße", "Str.")
    elif style == 2:
        s = s.replace("ß", "ss")
    elif style == 3:
        s = s.replace("straße", "strasse").replace("Straße", "Strasse")
    return s


def date_de(d):
    return d.strftime("%d.%m.%Y") if d else ""


def date_iso(d):
    return d.isoformat() if d else ""


def rand_date(y0, y1):
    return dt.date(R.randint(y0, y1), R.randint(1, 12), R.randint(1, 28))


def de_de_vat(body8: str) -> str:
    product = 10
    for ch in body8:
        s = (int(ch) + product) % 10
        if s == 0:
            s = 10
        product = (2 * s) % 11
    c = 11 - product
    return "DE" + body8 + str(0 if c == 10 else c % 10)


def at_vat(body7: str) -> str:
    s = 0
    for i, ch in enumerate(body7):
        d = int(ch)
        if i % 2 == 1:
            d = 2 * d
            d = d // 10 + d % 10
        s += d
    return "ATU" + body7 + str((10 - (s + 4) % 10) % 10)


def ch_vat(body8: str):
    w = [5, 4, 3, 2, 7, 6, 5, 4]
    c = 11 - sum(int(a) * b for a, b in zip(body8, w)) % 11
    if c == 10:
        return None
    c = 0 if c == 11 else c
    d = body8 + str(c)
    return f"CHE-{d[:3]}.{d[3:6]}.{d[6:]}"


def new_vat(cc):
    while True:
        if cc == "DE":
            return de_de_vat("".join(str(R.randint(0, 9)) for _ in range(8)).replace("0", "1", 1))
        if cc == "AT":
            return at_vat("".join(str(R.randint(0, 9)) for _ in range(7)))
        v = ch_vat("".join(str(R.randint(1, 9)) for _ in range(8)))
        if v:
            return v


# ----------------------------------------------------------------------------- entities
ENT: dict[str, dict] = {}
APPS: list[tuple[str, dict, str]] = []  # (silo, overrides, entity_id)
CONTACTS: list[tuple[str, str]] = []    # (record ref, contact entity id) filled at render
_n = 0


def place(cc, city=None):
    opts = [p for p in PLACES[cc] if city is None or p[1] == city]
    return R.choice(opts)


def person(case, group="", cc=None, sex=None, first=None, last=None, birth="rand", city=None, street=None,
           hno=None, land="rand", mob="rand", email="rand", title="", plz=None):
    global _n
    _n += 1
    eid = f"P{_n:04d}"
    cc = cc or R.choice(["DE"] * 5 + ["AT"] * 3 + ["CH"] * 3)
    sex = sex or R.choice("mf")
    first = first or R.choice((FIRST_M if sex == "m" else FIRST_F)[cc])
    last = last or R.choice(LAST[cc])
    p = place(cc, city)
    if plz:
        p = (plz, p[1], p[2])
    title = title or ("Dr." if R.random() < 0.06 else "")
    e = dict(eid=eid, kind="person", case=case, group=group, cc=cc, sal="Herr" if sex == "m" else "Frau",
             title=title, first=first, last=last, suffix="",
             birth=rand_date(1940, 2002) if birth == "rand" else birth,
             street=street or R.choice(STREETS[cc]), hno=hno or str(R.randint(1, 120)) + R.choice([""] * 6 + ["a", "b"]),
             plz=p[0], city=p[1], area=p[2])
    e["land"] = new_number(cc, p[2]) if land == "rand" else land
    e["mob"] = new_number(cc, p[2], mobile=True) if mob == "rand" else mob
    e["email"] = (mail_local(first, last, R.randint(0, 7)) + "@" + R.choice(FREEMAIL[cc])) if email == "rand" else email
    ENT[eid] = e
    return e


def org(case, group="", cc="DE", names=None, city=None, street=None, hno=None, domain=None, vat="rand"):
    global _n
    _n += 1
    eid = f"O{_n:04d}"
    p = place(cc, city)
    e = dict(eid=eid, kind="org", case=case, group=group, cc=cc, names=names, name=names[0],
             street=street or R.choice(STREETS[cc]), hno=hno or str(R.randint(1, 200)), plz=p[0], city=p[1],
             area=p[2], domain=domain)
    e["land"] = new_number(cc, p[2])
    e["vat"] = new_vat(cc) if vat == "rand" else vat
    e["email"] = f"info@{domain}" if domain else ""
    ENT[eid] = e
    return e


def app(silo, e, **over):
    APPS.append((silo, over, e["eid"]))


def spread(e, silos, first_over=None, **over_each):
    for i, s in enumerate(silos):
        o = dict(over_each)
        if i == len(silos) - 1 and first_over:
            o.update(first_over)
        app(s, e, **o)


SILOS = ["crm", "shop", "erp", "newsletter"]


def pick_silos(k):
    w = ["crm", "crm", "shop", "shop", "erp", "newsletter"]
    out = []
    while len(out) < k:
        s = R.choice(w)
        if s not in out:
            out.append(s)
    return out


# ---- plain duplicates: only formatting differs (phone formats, Str./Straße, case) -----------
for _ in range(36):
    e = person("format")
    spread(e, pick_silos(R.choice([2, 2, 2, 3, 3, 4])))

# ---- transliteration: ae/oe/ue/ss written in one silo (old systems without umlauts) ---------
for _ in range(12):
    cc = R.choice(["DE", "AT", "CH"])
    e = person("translit", cc=cc, last=R.choice([n for n in LAST[cc] if any(c in n for c in "äöüß")]))
    s = pick_silos(R.choice([2, 3]))
    for i, silo in enumerate(s):
        if i == 1:
            app(silo, e, first=translit(e["first"]), last=translit(e["last"]),
                city=translit(e["city"]), street=translit(e["street"]))
        else:
            app(silo, e)


# ---- typos ------------------------------------------------------------------------------------
def typo(s: str, k: int) -> str:
    i = 1 + (k % max(1, len(s) - 2))
    kind = k % 4
    if kind == 0:
        return s[:i] + s[i + 1:]                # dropped letter
    if kind == 1:
        return s[:i] + s[i] + s[i:]             # doubled letter
    if kind == 2 and i + 1 < len(s):
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]  # swapped neighbours
    nb = {"a": "s", "e": "r", "i": "o", "o": "p", "u": "z", "n": "m", "r": "t", "s": "d", "t": "r", "l": "k",
          "m": "n", "h": "g", "k": "l", "c": "v", "d": "f", "g": "h", "b": "v", "z": "u"}
    c = s[i].lower()
    return s[:i] + nb.get(c, c) + s[i + 1:]


for k in range(22):
    e = person("typo")
    s = pick_silos(R.choice([2, 3]))
    which = k % 5
    for i, silo in enumerate(s):
        if i != 1:
            app(silo, e)
        elif which == 0:
            app(silo, e, last=typo(e["last"], k))
        elif which == 1:
            app(silo, e, first=typo(e["first"], k))
        elif which == 2:
            app(silo, e, street=typo(e["street"], k), email=e["email"].replace("gmail", "gmial").replace("gmx.", "gmc."))
        elif which == 3:
            app(silo, e, last=typo(e["last"], k), email=e["email"].replace(".de", ".ed") if silo != "newsletter" else e["email"])
        else:
            d = e["birth"]
            app(silo, e, birth=d.replace(year=d.year + (10 if d.year < 1990 else -10)) if k % 2 else d.replace(day=min(28, d.day + 1)),
                first=typo(e["first"], k + 1))

# ---- nicknames / short forms -------------------------------------------------------------------
NICK = [("DE", "m", "Johannes", "Hans"), ("AT", "m", "Josef", "Sepp"), ("CH", "f", "Katharina", "Käthi"),
        ("AT", "f", "Elisabeth", "Lisi"), ("CH", "m", "Friedrich", "Fritz"), ("CH", "m", "Ulrich", "Ueli"),
        ("CH", "f", "Verena", "Vreni"), ("DE", "f", "Margarete", "Grete"), ("DE", "m", "Maximilian", "Max"),
        ("DE", "f", "Susanne", "Susi"), ("DE", "f", "Franziska", "Franzi"), ("CH", "m", "Jakob", "Köbi"),
        ("AT", "f", "Theresia", "Resi"), ("AT", "f", "Magdalena", "Leni"), ("CH", "m", "Rudolf", "Ruedi"),
        ("DE", "f", "Ursula", "Uschi"), ("DE", "f", "Gabriele", "Gabi"), ("DE", "m", "Andreas", "Andi"),
        ("DE", "f", "Stefanie", "Steffi"), ("AT", "m", "Anton", "Toni"), ("AT", "m", "Alois", "Lois"),
        ("DE", "m", "Alexander", "Alex"), ("DE", "m", "Nikolaus", "Klaus"), ("AT", "m", "Johann", "Hannes"),
        ("CH", "f", "Barbara", "Babette"), ("DE", "m", "Wilhelm", "Willi")]
for cc, sex, full, nick in NICK:
    e = person("nickname", cc=cc, sex=sex, first=full)
    s = pick_silos(R.choice([2, 3]))
    # the nickname lives in the informal silos (shop, newsletter) or in one of them
    for i, silo in enumerate(s):
        app(silo, e, first=nick if (silo in ("shop", "newsletter") or i == 1) else full,
            email=e["email"] if (i == 0 or len(nick) % 2) else mail_local(nick, e["last"], 0) + "@" + e["email"].split("@")[1])

# ---- married (new surname, often new address) ---------------------------------------------------
for k in range(12):
    cc = R.choice(["DE", "DE", "AT", "CH"])
    e = person("married", cc=cc, sex="f", birth=rand_date(1960, 1998))
    new_last = R.choice([n for n in LAST[cc] if n != e["last"]])
    s = pick_silos(R.choice([2, 3]))
    p = place(cc)
    later = dict(last=new_last if k % 3 else f"{new_last}-{e['last']}" if k % 2 else f"{e['last']}-{new_last}")
    if k % 2 == 0:  # moved in with the spouse
        later.update(plz=p[0], city=p[1], street=R.choice(STREETS[cc]), hno=str(R.randint(1, 80)), land=None)
    for i, silo in enumerate(s):
        app(silo, e, **(later if i >= 1 else {}))

# ---- moved (new address, same person) --------------------------------------------------------------
for k in range(12):
    e = person("moved")
    cc2 = e["cc"] if k % 4 else R.choice(["DE", "AT", "CH"])  # a few move across a border
    p = place(cc2)
    s = pick_silos(R.choice([2, 3]))
    for i, silo in enumerate(s):
        if i == 0:
            app(silo, e)
        else:
            app(silo, e, cc=cc2, plz=p[0], city=p[1], street=R.choice(STREETS[cc2]), hno=str(R.randint(1, 90)),
                land=new_number(cc2, p[2]) if k % 2 else None)

# ---- first / last name swapped -----------------------------------------------------------------------
for k in range(10):
    e = person("name_swap")
    s = pick_silos(2) if k % 2 else ["crm", "erp"]
    app(s[0], e)
    app(s[1], e, first=e["last"], last=e["first"])

# ---- day / month swapped birth date ---------------------------------------------------------------------
for k in range(10):
    b = dt.date(R.randint(1945, 2000), R.randint(1, 12), R.randint(1, 12))
    while b.day == b.month:
        b = b.replace(day=R.randint(1, 12))
    e = person("date_swap", birth=b)
    s = R.choice([["crm", "shop"], ["crm", "erp"], ["shop", "erp"], ["crm", "shop", "erp"]])
    for i, silo in enumerate(s):
        app(silo, e, birth=b.replace(day=b.month, month=b.day) if i == 1 else b)

# ---- missing values -----------------------------------------------------------------------------------------
for k in range(14):
    e = person("missing")
    s = pick_silos(R.choice([2, 3]))
    for i, silo in enumerate(s):
        if i == 0:
            app(silo, e)
        else:
            drop = [dict(birth=None, land=None), dict(email="", birth=None), dict(street="", hno="", land=None),
                    dict(mob=None, land=None, birth=None), dict(plz="", city="", street="", hno="")][k % 5]
            app(silo, e, **drop)

# ---- singletons (appear once) ----------------------------------------------------------------------------------
for k in range(32):
    e = person("singleton")
    app(pick_silos(1)[0], e)

# ===================================================================== hard non-matches (persons)
# twins: same surname, address, birth date, landline; first names one or two letters apart
TWINS = [("DE", "f", "Lena", "Lea"), ("DE", "m", "Simon", "Simone"), ("DE", "m", "Jan", "Jana"),
         ("AT", "f", "Lisa", "Lina"), ("CH", "m", "Tim", "Tom"), ("AT", "f", "Anna", "Hanna"),
         ("DE", "m", "Elias", "Elia"), ("CH", "f", "Mia", "Mila"), ("DE", "m", "Lars", "Lasse"),
         ("AT", "m", "Noah", "Nora"), ("CH", "m", "Nils", "Nele"), ("DE", "f", "Marie", "Maria")]
SEX2 = {"Simone": "f", "Jana": "f", "Elia": "f", "Nora": "f", "Nele": "f"}
for k, (cc, sex, f1, f2) in enumerate(TWINS):
    g = f"twins:{k + 1:02d}"
    a = person("twins", g, cc=cc, sex=sex, first=f1, birth=rand_date(1990, 2006))
    b = person("twins", g, cc=cc, sex=SEX2.get(f2, sex), first=f2, last=a["last"], birth=a["birth"],
               city=a["city"], plz=a["plz"], street=a["street"], hno=a["hno"], land=a["land"],
               email=mail_local(f2, a["last"], 0) + "@" + R.choice(FREEMAIL[cc]))
    # one twin in CRM + shop, the other in shop (+ newsletter); the shop knows no salutation
    app("crm", a)
    app("shop", a, land=None)
    app("shop", b, land=None)
    if k % 2:
        app("newsletter", b)
    if k % 3 == 0:
        app("erp", b, email="", mob=None)  # only name, address, birth date, family landline

# parent and child with the same name at one address
PC = [("DE", "m", "Thomas", "Berger"), ("DE", "m", "Klaus", "Hartmann"), ("AT", "m", "Franz", "Huber"),
      ("AT", "m", "Josef", "Gruber"), ("CH", "m", "Peter", "Keller"), ("CH", "m", "Hans", "Widmer"),
      ("DE", "f", "Maria", "Schäfer"), ("DE", "m", "Wolfgang", "Lehmann"), ("AT", "f", "Elisabeth", "Moser"),
      ("CH", "m", "Urs", "Bachmann")]
for k, (cc, sex, first, last) in enumerate(PC):
    g = f"parent_child:{k + 1:02d}"
    par = person("parent_child", g, cc=cc, sex=sex, first=first, last=last, birth=rand_date(1942, 1965))
    kid_birth = par["birth"].replace(year=par["birth"].year + R.randint(25, 34), month=R.randint(1, 12), day=R.randint(1, 28))
    kid = person("parent_child", g, cc=cc, sex=sex, first=first, last=last, birth=kid_birth, city=par["city"],
                 plz=par["plz"], street=par["street"], hno=par["hno"], land=par["land"])
    if k % 3 == 0:      # suffixes written in the CRM
        app("crm", par, suffix="sen.")
        app("crm", kid, suffix="jun.")
        app("shop", kid, land=None)
    elif k % 3 == 1:    # birth dates tell them apart
        app("crm", par, mob=None)
        app("erp", kid, email="")
        app("shop", kid)
    else:
        app("erp", par, email="", mob=None)
        app("shop", par, birth=None, email=par["email"])
        app("crm", kid)
        app("newsletter", kid)

# households: spouses sharing a landline and/or a family mailbox
HH = [("DE", "Vogel", "Martin", "Sabine"), ("DE", "Krause", "Bernd", "Heike"), ("AT", "Wimmer", "Gerhard", "Brigitte"),
      ("CH", "Studer", "Beat", "Regula"), ("DE", "Neumann", "Oliver", "Katrin"), ("AT", "Lechner", "Harald", "Eva"),
      ("CH", "Frei", "Roger", "Daniela"), ("DE", "Sommer", "Uwe", "Doris"), ("DE", "Janßen", "Holger", "Silke"),
      ("AT", "Koller", "Reinhard", "Waltraud"), ("CH", "Gisler", "Adrian", "Priska"), ("DE", "Bergmann", "Jörg", "Kerstin")]
for k, (cc, last, fm, ff) in enumerate(HH):
    g = f"household:{k + 1:02d}"
    fam = f"familie.{translit(last).lower()}@" + R.choice(FREEMAIL[cc])
    h = person("household", g, cc=cc, sex="m", first=fm, last=last, birth=rand_date(1950, 1985),
               email=fam if k % 2 == 0 else "rand")
    w = person("household", g, cc=cc, sex="f", first=ff, last=last, birth=rand_date(1950, 1985), city=h["city"],
               plz=h["plz"], street=h["street"], hno=h["hno"], land=h["land"], email=fam if k % 2 == 0 else "rand")
    app("crm", h, mob=None)
    app("shop", w, mob=None, birth=None)
    app("erp" if k % 2 else "crm", w, email="" if k % 2 else w["email"])
    if k % 2 == 0:
        app("newsletter", h)   # familie.x@ signed up under his name
    else:
        app("shop", h, land=None, birth=None)
    if k % 4 == 1:  # the couple with one first-name-less record: "Familie Neumann"
        pass

# namesakes in one city (different streets, birth dates, contacts)
NS_SAME = [("DE", "m", "Thomas", "Müller", "München"), ("DE", "f", "Sabine", "Schmidt", "Berlin"),
           ("DE", "m", "Michael", "Weber", "Hamburg"), ("AT", "m", "Franz", "Gruber", "Wien"),
           ("AT", "f", "Maria", "Huber", "Graz"), ("CH", "m", "Daniel", "Meier", "Zürich"),
           ("CH", "f", "Sandra", "Keller", "Bern"), ("DE", "m", "Stefan", "Schneider", "Köln"),
           ("DE", "f", "Julia", "Fischer", "Berlin"), ("AT", "m", "Martin", "Steiner", "Wien")]
for k, (cc, sex, first, last, city) in enumerate(NS_SAME):
    g = f"namesake_same_city:{k + 1:02d}"
    a = person("namesake_same_city", g, cc=cc, sex=sex, first=first, last=last, city=city)
    b = person("namesake_same_city", g, cc=cc, sex=sex, first=first, last=last, city=city)
    app("crm", a)
    app("shop", a, birth=None)
    app("shop", b, birth=None)
    app("erp" if k % 2 else "newsletter", b)

# namesakes in different cities
NS_DIFF = [("DE", "m", "Michael", "Schmidt", "Hamburg", "Köln"), ("DE", "f", "Petra", "Meyer", "Bremen", "Leipzig"),
           ("AT", "m", "Stefan", "Wagner", "Linz", "Salzburg"), ("CH", "m", "Peter", "Müller", "Basel", "Luzern"),
           ("DE", "m", "Andreas", "Becker", "Dresden", "Stuttgart"), ("DE", "f", "Claudia", "Hoffmann", "Essen", "Mainz"),
           ("AT", "f", "Sabine", "Mayr", "Innsbruck", "Wien"), ("CH", "f", "Monika", "Brunner", "Zug", "Chur"),
           ("DE", "m", "Daniel", "Koch", "Nürnberg", "Kiel"), ("DE", "f", "Anna", "Wolf", "Berlin", "Freiburg im Breisgau")]
for k, (cc, sex, first, last, c1, c2) in enumerate(NS_DIFF):
    g = f"namesake_diff_city:{k + 1:02d}"
    a = person("namesake_diff_city", g, cc=cc, sex=sex, first=first, last=last, city=c1)
    b = person("namesake_diff_city", g, cc=cc, sex=sex, first=first, last=last, city=c2)
    app("crm", a)
    app("shop", b, birth=None)
    app(R.choice(["erp", "crm"]), b, mob=None)
    app("newsletter", a)

# ===================================================================== organisations
# each: (case, cc, city, [name per appearance], domain, contact(first,last,sex) or None, silos)
ORGS = [
    ("DE", "München", ["Huber Bau GmbH", "Huber Bau G.m.b.H.", "HUBER BAU GMBH"], "huber-bau.de"),
    ("DE", "Köln", ["Schreinerei Becker GmbH & Co. KG", "Schreinerei Becker GmbH u. Co. KG", "Schreinerei Becker"], "schreinerei-becker.de"),
    ("DE", "Hamburg", ["Nordlicht Logistik AG", "Nordlicht Logistik A.G.", "Nordlicht Logistik"], "nordlicht-logistik.de"),
    ("DE", "Stuttgart", ["Elektro Maier e.K.", "Elektro Maier e. K.", "Elektro-Maier"], "elektro-maier.de"),
    ("DE", "Leipzig", ["Müller & Söhne GmbH", "Müller und Söhne GmbH", "Mueller & Soehne GmbH"], "mueller-soehne.de"),
    ("DE", "Nürnberg", ["Bäckerei Groß GmbH", "Baeckerei Gross GmbH", "Bäckerei Groß"], "baeckerei-gross.de"),
    ("DE", "Frankfurt am Main", ["Rhein-Main Consulting GmbH", "Rhein Main Consulting GmbH", "RheinMain Consulting"], "rm-consulting.de"),
    ("DE", "Berlin", ["Spreeblick Medien GmbH", "Spreeblick Medien Gesellschaft mbH", "Spreeblick Medien"], "spreeblick-medien.de"),
    ("DE", "Bremen", ["Hansen Schiffsbedarf KG", "Hansen Schiffsbedarf K.G.", "Hansen Schiffsbedarf"], "hansen-schiffsbedarf.de"),
    ("DE", "Würzburg", ["Weingut Franken Schmitt OHG", "Weingut Franken Schmitt oHG", "Weingut Schmitt"], "weingut-schmitt.de"),
    ("AT", "Wien", ["Donau Software GmbH", "Donau Software Ges.m.b.H.", "Donau Software Ges.mbH"], "donausoft.at"),
    ("AT", "Graz", ["Steirische Fleischwaren Pölzl GmbH", "Steirische Fleischwaren Poelzl G.m.b.H.", "Fleischwaren Pölzl"], "poelzl-fleisch.at"),
    ("AT", "Linz", ["Tischlerei Auer e.U.", "Tischlerei Auer eU", "Tischlerei Auer"], "tischlerei-auer.at"),
    ("AT", "Salzburg", ["Alpenblick Hotelbetriebs GmbH", "Alpenblick Hotelbetriebsgesellschaft m.b.H.", "Hotel Alpenblick"], "alpenblick-salzburg.at"),
    ("AT", "Innsbruck", ["Tiroler Sport & Freizeit AG", "Tiroler Sport und Freizeit AG", "Tiroler Sport + Freizeit"], "tirolsport.at"),
    ("AT", "Wien", ["Kaffeerösterei Strauß KG", "Kaffeeroesterei Strauss KG", "Kaffeerösterei Strauß"], "strauss-kaffee.at"),
    ("CH", "Zürich", ["Limmat Treuhand AG", "Limmat Treuhand A.G.", "Limmat-Treuhand AG"], "limmat-treuhand.ch"),
    ("CH", "Basel", ["Rheinhafen Transporte GmbH", "Rheinhafen Transporte G.m.b.H.", "Rheinhafen Transporte"], "rheinhafen-transporte.ch"),
    ("CH", "Lausanne", ["Boulangerie Favre Sàrl", "Boulangerie Favre S.à r.l.", "Boulangerie Favre SARL"], "boulangerie-favre.ch"),
    ("CH", "Lugano", ["Tipografia Bernasconi Sagl", "Tipografia Bernasconi SAGL", "Tipografia Bernasconi"], "bernasconi-tipo.ch"),
    ("CH", "Bern", ["Gerber Sanitär AG", "Gerber Sanitaer AG", "Gerber Sanitär"], "gerber-sanitaer.ch"),
    ("CH", "Luzern", ["Pilatus Optik GmbH", "Pilatus-Optik GmbH", "Pilatus Optik"], "pilatus-optik.ch"),
    ("DE", "Regensburg", ["Brauerei Kneitinger & Co. KG", "Brauerei Kneitinger und Co. KG", "Brauerei Kneitinger"], "kneitinger-brauerei.de"),
    ("DE", "Dortmund", ["Westfalen Stahlhandel GmbH", "Westfalen-Stahlhandel GmbH", "Westfalen Stahlhandel"], "westfalen-stahl.de"),
    ("AT", "Klagenfurt am Wörthersee", ["Wörthersee Yachtservice GmbH", "Woerthersee Yachtservice GmbH", "Wörthersee Yachtservice"], "ws-yachtservice.at"),
    ("DE", "Augsburg", ["Fuggerstadt Druck GmbH", "Fuggerstadt-Druck G.m.b.H.", "Fuggerstadt Druck"], "fuggerstadt-druck.de"),
]
ORG_SILOS = ["crm", "erp", "shop"]
for k, (cc, city, names, domain) in enumerate(ORGS):
    case = "org_legal_form" if k % 3 != 2 else "org_contact"
    o = org(case, cc=cc, names=names, city=city, domain=domain)
    silos = ["crm", "erp"] + (["shop"] if k % 2 else [])
    contact = None
    if case == "org_contact":
        sex = R.choice("mf")
        o["group"] = f"contact_vs_org:{k + 1:02d}"
        contact = person("org_contact_person", o["group"], cc=cc, sex=sex, city=city,
                         email=None, land=None, birth=None)
        contact["email"] = mail_local(contact["first"], contact["last"], 1 if k % 2 else 0) + "@" + domain
    for i, silo in enumerate(silos):
        over = dict(name=names[i % len(names)])
        if i == 1 and k % 4 == 1:
            over["street"] = street_variant(o["street"], cc, 1)
        if silo == "shop" and i != 0:
            over["vat"] = ""
        if contact:
            over["contact"] = contact
            if silo == "crm" and k % 4 == 2:
                over["contact_in_name"] = True
        app(silo, o, **over)
    if contact and k % 2 == 0:   # the contact also signed up for the newsletter with the business address
        app("newsletter", contact)

# info@ (organisation) vs a person at the same domain
INFO = [("DE", "Hannover", "Steuerkanzlei Lange & Partner", "kanzlei-lange.de", ("Heike", "Lange", "f")),
        ("DE", "Mannheim", "Kurpfalz Immobilien GmbH", "kurpfalz-immo.de", ("Ralf", "Ostendorf", "m")),
        ("AT", "Wels", "Autohaus Binder GmbH", "autohaus-binder.at", ("Christoph", "Binder", "m")),
        ("AT", "Bregenz", "Bodensee Reisen GmbH", "bodensee-reisen.at", ("Sarah", "Ebner", "f")),
        ("CH", "St. Gallen", "Textil Rüegg AG", "textil-rueegg.ch", ("Esther", "Rüegg", "f")),
        ("CH", "Winterthur", "Velo Widmer GmbH", "velo-widmer.ch", ("Patrick", "Widmer", "m")),
        ("DE", "Karlsruhe", "Fächerstadt Apotheke e.K.", "faecherstadt-apotheke.de", ("Annika", "Thießen", "f")),
        ("DE", "Kiel", "Förde Segelschule GmbH", "foerde-segeln.de", ("Björn", "Janßen", "m")),
        ("AT", "Leoben", "Obersteirische Elektro GmbH", "ost-elektro.at", ("Harald", "Kröll", "m")),
        ("CH", "Aarau", "Aare Garage AG", "aaregarage.ch", ("René", "Zehnder", "m"))]
for k, (cc, city, name, domain, (f, l, sex)) in enumerate(INFO):
    g = f"info_vs_person:{k + 1:02d}"
    o = org("info_vs_person", g, cc=cc, names=[name], city=city, domain=domain)
    p = person("info_vs_person", g, cc=cc, sex=sex, first=f, last=l, city=city, land=None, birth=None,
               email=mail_local(f, l, k) + "@" + domain)
    app("crm", o)
    app("newsletter", o, name="")        # info@ with no name: the organisation's row
    app("newsletter", p)                 # the person's business address
    if k % 2:
        app("shop", p, street=o["street"], hno=o["hno"], plz=o["plz"], city=o["city"], land=o["land"], mob=None)

# newsletter rows with only a business e-mail, the company in CRM/ERP
NLB = [("DE", "Bonn", "Rheinufer Gastronomie GmbH", "rheinufer-gastro.de", "office"),
       ("DE", "Erfurt", "Thüringer Landtechnik GmbH", "th-landtechnik.de", "info"),
       ("AT", "St. Pölten", "Traisen Bau GmbH", "traisenbau.at", "office"),
       ("AT", "Wiener Neustadt", "Neustädter Getränke KG", "nst-getraenke.at", "office"),
       ("CH", "Chur", "Bündner Holzbau AG", "buendner-holzbau.ch", "info"),
       ("CH", "Zug", "Zuger Vermögensberatung AG", "zuger-vb.ch", "kontakt"),
       ("DE", "Münster", "Prinzipalmarkt Mode e.K.", "prinzipal-mode.de", "service"),
       ("DE", "Rostock", "Warnow Werft Service GmbH", "warnow-service.de", "info")]
for k, (cc, city, name, domain, box) in enumerate(NLB):
    o = org("nl_business_email", cc=cc, names=[name], city=city, domain=domain)
    o["email"] = f"{box}@{domain}"
    app("crm" if k % 2 else "erp", o)
    app("newsletter", o, name="")

# similar organisation names that are different companies (hard non-match)
SIM = [("DE", "Huber Holzbau GmbH", "Nürnberg", "Huber Hochbau GmbH", "Bielefeld"),
       ("AT", "Gruber Elektrotechnik GmbH", "Linz", "Gruber Elektro GmbH", "Graz"),
       ("CH", "Keller Treuhand AG", "Zürich", "Keller Treuhand GmbH", "Basel"),
       ("DE", "Sonnen-Apotheke Inh. Karin Roth e.K.", "Bonn", "Sonnen-Apotheke Inh. Uwe Pohl e.K.", "Essen"),
       ("DE", "Autohaus Schmidt GmbH", "Kiel", "Autohaus Schmitt GmbH", "Mainz"),
       ("AT", "Hotel Post GmbH", "Innsbruck", "Hotel Post GmbH", "Bregenz")]
for k, (cc, n1, c1, n2, c2) in enumerate(SIM):
    g = f"org_similar:{k + 1:02d}"
    a = org("org_similar", g, cc=cc, names=[n1], city=c1, domain=None)
    b = org("org_similar", g, cc=cc, names=[n2], city=c2, domain=None)
    app("crm", a)
    app("erp", a)
    app("crm", b)
    app("erp", b, name=n2.replace("GmbH", "G.m.b.H."))

# ============================================================================= render
COUNTRY_NAME = {"DE": ["Deutschland", "DE", "D", ""], "AT": ["Österreich", "AT", "A", "Oesterreich"],
                "CH": ["Schweiz", "CH", "CH", "Schweiz"]}
rows = {s: [] for s in SILOS}
truth = []
contacts_truth = []
ids = {"crm": iter(range(100001, 200000, 7)), "shop": iter(range(20001, 99999, 3)),
       "erp": iter(range(50001, 99999, 2)), "newsletter": iter(range(1, 99999))}


def view(e, over):
    v = dict(e)
    v.update(over)
    return v


def sid(silo):
    n = next(ids[silo])
    return {"crm": f"{n}", "shop": f"SW-{n}", "erp": n, "newsletter": f"NL{n:06d}"}[silo]


R.shuffle(APPS)
for silo, over, eid in APPS:
    e = ENT[eid]
    v = view(e, over)
    s_id = sid(silo)
    truth.append(dict(silo=silo, source_id=str(s_id), entity_id=eid, case=e["case"], group=e["group"], kind=e["kind"]))
    cc = v["cc"]
    st_style = R.choice([0, 0, 1, 1, 2, 3]) if cc != "CH" else R.choice([0, 0, 0, 1])
    street = street_variant(v["street"], cc, st_style) if v.get("street") else ""
    created = rand_date(2012, 2023)
    updated = created + dt.timedelta(days=R.randint(0, 900))
    if e["kind"] == "person":
        first = v["first"]
        last = v["last"] + (" " + v["suffix"] if v.get("suffix") else "")
        if silo == "crm":
            rows["crm"].append({
                "Kundennr": s_id, "Anrede": v["sal"] if R.random() > 0.08 else "", "Titel": v["title"],
                "Vorname": first, "Nachname": last, "Firma": "", "Ansprechpartner": "",
                "Straße": street, "Hausnr": v["hno"], "PLZ": v["plz"], "Ort": v["city"],
                "Land": R.choice(COUNTRY_NAME[cc]) if cc == "DE" else COUNTRY_NAME[cc][R.randint(0, 3)],
                "Telefon": fmt_phone(v.get("land")), "Mobil": fmt_phone(v.get("mob")),
                "E-Mail": v.get("email") or "", "Geburtsdatum": date_de(v.get("birth")),
                "Angelegt am": date_de(created), "Geändert am": date_de(updated)})
        elif silo == "shop":
            name = f"{first} {last}" if R.random() > 0.25 else f"{last}, {first}"
            if v["title"] and R.random() < 0.5:
                name = f"{v['title']} {first} {last}"
            if R.random() < 0.15:
                name = name.lower() if R.random() < 0.5 else name.upper()
            cc_prefix = {"DE": "", "AT": R.choice(["", "A-"]), "CH": R.choice(["", "CH-"])}[cc]
            addr = f"{street} {v['hno']}, {cc_prefix}{v['plz']} {v['city']}" if street else (
                f"{cc_prefix}{v['plz']} {v['city']}" if v["plz"] else "")
            ph = v.get("mob") or v.get("land")
            rows["shop"].append({
                "customer_id": s_id, "name": name, "company": None, "address": addr,
                "country": cc, "email": v.get("email") or None, "phone": fmt_phone(ph) or None,
                "birthday": date_iso(v.get("birth")) or None, "newsletter": R.random() < 0.4,
                "created": created.isoformat() + "T10:12:00", "last_order": (updated + dt.timedelta(days=R.randint(0, 300))).isoformat()})
        elif silo == "erp":
            rows["erp"].append({
                "kunden_id": s_id, "firma": None, "anrede": v["sal"], "vorname": first, "nachname": last,
                "zusatz": None, "strasse": f"{street} {v['hno']}".strip() or None, "plz": v["plz"] or None,
                "ort": v["city"] or None, "land": {"DE": "D", "AT": "A", "CH": "CH"}[cc],
                "telefon": fmt_phone(v.get("land") or v.get("mob")) or None, "email": v.get("email") or None,
                "ust_id": None, "geburtsdatum": date_iso(v.get("birth")) or None,
                "letzte_rechnung": (updated + dt.timedelta(days=R.randint(0, 500))).isoformat()})
        else:
            rows["newsletter"].append({
                "ID": s_id, "E-Mail-Adresse": v.get("email") or "", "Vorname": first if R.random() > 0.1 else "",
                "Nachname": last, "Status": R.choice(["bestätigt"] * 6 + ["ausstehend", "abgemeldet"]),
                "Anmeldedatum": (updated.isoformat() + " 08:15:00")})
    else:
        name = v.get("name", e["name"])
        contact = v.get("contact")
        if silo == "crm":
            in_name = bool(contact and v.get("contact_in_name"))
            if in_name:
                name = f"{name} z. Hd. {contact['sal']} {contact['last']}"
            rows["crm"].append({
                "Kundennr": s_id, "Anrede": "Firma", "Titel": "", "Vorname": "", "Nachname": "", "Firma": name,
                "Ansprechpartner": (f"{contact['sal']} {contact['first']} {contact['last']}" if contact and not in_name else ""),
                "Straße": street, "Hausnr": v["hno"], "PLZ": v["plz"], "Ort": v["city"],
                "Land": COUNTRY_NAME[cc][R.randint(0, 3)], "Telefon": fmt_phone(v.get("land")), "Mobil": "",
                "E-Mail": v.get("email") or "", "Geburtsdatum": "",
                "Angelegt am": date_de(created), "Geändert am": date_de(updated)})
            if contact:
                contacts_truth.append(dict(silo="crm", source_id=f"{s_id}#contact", entity_id=contact["eid"]))
        elif silo == "erp":
            zus = None
            if contact:
                zus = R.choice([f"z. Hd. {contact['sal']} {contact['last']}",
                                f"z. Hd. {'Herrn' if contact['sal'] == 'Herr' else 'Frau'} {contact['first']} {contact['last']}",
                                f"z.Hd. {contact['first']} {contact['last']}"])
                contacts_truth.append(dict(silo="erp", source_id=f"{s_id}#contact", entity_id=contact["eid"]))
            rows["erp"].append({
                "kunden_id": s_id, "firma": name, "anrede": "Firma", "vorname": None, "nachname": None,
                "zusatz": zus, "strasse": f"{street} {v['hno']}", "plz": v["plz"], "ort": v["city"],
                "land": {"DE": "D", "AT": "A", "CH": "CH"}[cc], "telefon": fmt_phone(v.get("land")),
                "email": v.get("email") or None, "ust_id": v.get("vat") or None, "geburtsdatum": None,
                "letzte_rechnung": (updated + dt.timedelta(days=R.randint(0, 500))).isoformat()})
        elif silo == "shop":
            if contact:
                contacts_truth.append(dict(silo="shop", source_id=f"{s_id}#contact", entity_id=contact["eid"]))
            rows["shop"].append({
                "customer_id": s_id, "name": f"{contact['first']} {contact['last']}" if contact else None, "company": name,
                "address": f"{street} {v['hno']}, {v['plz']} {v['city']}", "country": cc,
                "email": v.get("email") or None, "phone": fmt_phone(v.get("land")) or None, "birthday": None,
                "newsletter": False, "created": created.isoformat() + "T09:00:00",
                "last_order": (updated + dt.timedelta(days=R.randint(0, 300))).isoformat()})
        else:
            rows["newsletter"].append({
                "ID": s_id, "E-Mail-Adresse": v.get("email"), "Vorname": "", "Nachname": "",
                "Status": "bestätigt", "Anmeldedatum": updated.isoformat() + " 11:40:00"})

# ----------------------------------------------------------------------------- write
OUT.mkdir(parents=True, exist_ok=True)
crm_cols = ["Kundennr", "Anrede", "Titel", "Vorname", "Nachname", "Firma", "Ansprechpartner", "Straße", "Hausnr",
            "PLZ", "Ort", "Land", "Telefon", "Mobil", "E-Mail", "Geburtsdatum", "Angelegt am", "Geändert am"]
with open(OUT / "crm_kontakte.csv", "w", encoding="utf-8-sig", newline="") as f:
    w = csv.DictWriter(f, crm_cols, delimiter=";", lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows["crm"])
with open(OUT / "shop_kunden.json", "w", encoding="utf-8") as f:
    json.dump(rows["shop"], f, ensure_ascii=False, indent=1)
db = OUT / "erp.sqlite"
db.unlink(missing_ok=True)
con = sqlite3.connect(db)
con.execute("""create table kunden (kunden_id integer primary key, firma text, anrede text, vorname text,
  nachname text, zusatz text, strasse text, plz text, ort text, land text, telefon text, email text,
  ust_id text, geburtsdatum text, letzte_rechnung text)""")
cols = ["kunden_id", "firma", "anrede", "vorname", "nachname", "zusatz", "strasse", "plz", "ort", "land", "telefon",
        "email", "ust_id", "geburtsdatum", "letzte_rechnung"]
con.executemany(f"insert into kunden values ({','.join('?' * len(cols))})", [[r[c] for c in cols] for r in rows["erp"]])
con.commit()
con.close()
nl_cols = ["ID", "E-Mail-Adresse", "Vorname", "Nachname", "Status", "Anmeldedatum"]
with open(OUT / "newsletter.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.DictWriter(f, nl_cols, delimiter=",")
    w.writeheader()
    w.writerows(rows["newsletter"])
with open(OUT / "truth.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.DictWriter(f, ["silo", "source_id", "entity_id", "case", "group", "kind"])
    w.writeheader()
    w.writerows(truth)
with open(OUT / "truth_contacts.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.DictWriter(f, ["silo", "source_id", "entity_id"])
    w.writeheader()
    w.writerows(contacts_truth)
print({s: len(r) for s, r in rows.items()}, "total", sum(len(r) for r in rows.values()),
      "entities", len({t["entity_id"] for t in truth}))
