"""Held-out US organisations list (B): sites from several source lists, with a true id.

Written without looking at the project's matcher, word lists, tests or demo generator.
Writes /work/holdout/us/us_sites.csv (what `golden dedupe` gets; no truth column in it) and
/work/holdout/us/us_truth.csv (Record ID -> true site id, case).
"""
from __future__ import annotations

import csv
import random
from pathlib import Path

import phonenumbers

OUT = Path(__file__).resolve().parent / "us"
R = random.Random(1776)

CITIES = {
    "Springfield": ("IL", "217", ["62701", "62702", "62703", "62704"]),
    "Columbus": ("OH", "614", ["43215", "43201", "43206"]),
    "Madison": ("WI", "608", ["53703", "53704", "53711"]),
    "Austin": ("TX", "512", ["78701", "78704", "78751"]),
    "Denver": ("CO", "303", ["80202", "80205", "80210"]),
    "Portland": ("OR", "503", ["97205", "97214", "97209"]),
    "Raleigh": ("NC", "919", ["27601", "27605", "27609"]),
    "Sacramento": ("CA", "916", ["95814", "95816", "95818"]),
    "Richmond": ("VA", "804", ["23219", "23220", "23225"]),
    "Tucson": ("AZ", "520", ["85701", "85705", "85719"]),
}
# street as (pre-direction, name, type)
STREETS = [("", "Main", "St"), ("E", "Monroe", "St"), ("", "Washington", "Ave"), ("N", "Grand", "Ave"),
           ("S", "6th", "St"), ("", "Oak", "St"), ("", "Maple", "Ave"), ("", "Lincoln", "Blvd"),
           ("", "Martin Luther King Jr", "Blvd"), ("W", "Broad", "St"), ("E", "High", "St"), ("", "Park", "Rd"),
           ("", "Riverside", "Dr"), ("", "Capitol", "Ave"), ("", "Spring", "St"), ("", "Elm", "St"),
           ("", "2nd", "Ave"), ("", "Jefferson", "St"), ("", "Cedar", "Ln"), ("", "Pine Ridge", "Rd"),
           ("", "College", "Ave"), ("", "University", "Ave"), ("N", "State", "St"), ("", "Market", "St"),
           ("S", "Wabash", "Ave"), ("W", "Lake", "Dr"), ("", "Chestnut", "St"), ("NE", "Sandy", "Blvd")]
TYPE_LONG = {"St": "Street", "Ave": "Avenue", "Blvd": "Boulevard", "Dr": "Drive", "Rd": "Road", "Ln": "Lane"}
DIR_LONG = {"N": "North", "S": "South", "E": "East", "W": "West", "NE": "Northeast"}
ORD = {"2nd": "Second", "6th": "Sixth"}


def phone(area):
    while True:
        ex = R.randint(201, 989)
        if ex % 100 == 55 or ex == 555:
            continue
        n = f"{area}{ex}{R.randint(1000, 9999)}"
        if phonenumbers.is_valid_number(phonenumbers.parse("+1" + n)):
            return n


def fmt_phone(n, style):
    a, b, c = n[:3], n[3:6], n[6:]
    return [f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"{a}{b}{c}", f"+1 {a} {b} {c}",
            f"{b}-{c}", f"1-{a}-{b}-{c}", f"({a}) {b}-{c} ext. 2"][style]


def addr(site, style):
    """One-line address in one of the ways the lists write it."""
    pre, name, typ = site["street"]
    num, unit = site["num"], site["unit"]
    long_ = style in (1, 3)
    p = (DIR_LONG.get(pre, pre) if long_ else pre)
    t = TYPE_LONG[typ] if long_ else typ
    nm = ORD.get(name, name) if style == 3 else name
    if style == 4:
        t = t + "."
        p = p + "." if p else p
    s = " ".join(x for x in (num, p, nm, t) if x)
    if unit:
        u = [f"Suite {unit}", f"Ste {unit}", f"#{unit}", f"Ste. {unit}", f"Unit {unit}"][(style + len(num)) % 5]
        s += ("," if style % 2 else "") + " " + u
    if style == 2:
        s = s.upper()
    return f"{s}, {site['city']}, {site['state']}"


SITES = []
ROWS = []


def site(name_variants, kind, city, case, group="", unit=None, street=None, num=None, zip_=None, ph=None):
    st, area, zips = CITIES[city]
    s = dict(tid=f"S{len(SITES) + 1:03d}", names=name_variants, kind=kind, city=city, state=st, case=case, group=group,
             street=street or R.choice(STREETS), num=num or str(R.choice([R.randint(10, 999), R.randint(1000, 9800)])),
             unit=unit, zip=zip_ or R.choice(zips), phone=ph or phone(area))
    SITES.append(s)
    return s


LISTS = ["county_directory", "state_license", "vendor_master", "grant_applications"]


def emit(s, k_rows):
    lists = R.sample(LISTS, k_rows)
    for i, lst in enumerate(lists):
        name = s["names"][i % len(s["names"])]
        style = R.randint(0, 4) if i else R.choice([0, 0, 1])
        zp = s["zip"] + (f"-{R.randint(1000, 9999)}" if R.random() < 0.15 else "")
        pst = R.choice([0, 0, 1, 2, 3, 4, 6, 7]) if i else R.choice([0, 1])
        if R.random() < 0.12:
            pst = 5  # no area code
        ph = "" if R.random() < 0.06 else fmt_phone(s["phone"], pst)
        ROWS.append(dict(site=s, lst=lst, name=name, address=addr(s, style), zip=zp, phone=ph))


# ---- independent clinics / practices / shops with name variants ---------------------------------
PLAIN = [
    (["Smith & Jones Family Dental, Inc.", "Smith and Jones Family Dental Incorporated", "SMITH & JONES FAMILY DENTAL"], "clinic", "Springfield"),
    (["Prairie Family Health Clinic", "Prairie Family Health Clinic Inc", "Prairie Family Hlth Clinic"], "clinic", "Springfield"),
    (["Capitol City Pediatrics, P.C.", "Capitol City Pediatrics PC", "Capitol City Pediatrics"], "clinic", "Madison"),
    (["Lakeview Physical Therapy & Sports Medicine", "Lakeview Physical Therapy and Sports Medicine", "Lakeview PT & Sports Med"], "clinic", "Madison"),
    (["St. Vincent Community Health Center", "Saint Vincent Community Health Center", "St Vincent Comm Health Ctr"], "clinic", "Columbus"),
    (["German Village Eye Care", "German Village Eyecare LLC", "German Village Eye Care, L.L.C."], "clinic", "Columbus"),
    (["Hill Country Women's Health Associates", "Hill Country Womens Health Assoc.", "Hill Country Women's Health Associates, PA"], "clinic", "Austin"),
    (["Barton Springs Veterinary Hospital", "Barton Springs Vet Hospital", "Barton Springs Veterinary Hosp."], "clinic", "Austin"),
    (["Mile High Behavioral Health, Inc.", "Mile High Behavioral Health Incorporated", "Mile High Behavioral Hlth"], "clinic", "Denver"),
    (["Rose City Chiropractic", "Rose City Chiropractic Clinic", "ROSE CITY CHIROPRACTIC"], "clinic", "Portland"),
    (["Oak City Dermatology & Skin Surgery", "Oak City Dermatology and Skin Surgery", "Oak City Derm"], "clinic", "Raleigh"),
    (["Sacramento Valley Urology Group", "Sacramento Valley Urology Grp", "Sac Valley Urology Group"], "clinic", "Sacramento"),
    (["James River Family Practice", "James River Family Practice, PLLC", "James River Fam Practice"], "clinic", "Richmond"),
    (["Desert Sky Community Health", "Desert Sky Community Health Center", "Desert Sky Comm. Health"], "clinic", "Tucson"),
    (["Mt. Olive Free Clinic", "Mount Olive Free Clinic", "Mt Olive Free Clinic"], "clinic", "Springfield"),
    (["Sunrise Senior Day Center", "Sunrise Senior Day Ctr", "Sunrise Adult Day Center"], "daycare", "Tucson"),
    (["ABC Kiddie Korner Child Care", "A.B.C. Kiddie Korner Childcare", "ABC Kiddie Korner Day Care"], "daycare", "Springfield"),
    (["Tiny Tots Learning Academy LLC", "Tiny Tots Learning Academy", "Tiny Tots Lrng Academy"], "daycare", "Columbus"),
    (["Happy Hearts Home Daycare", "Happy Hearts Home Day Care", "Happy Hearts Daycare"], "daycare", "Raleigh"),
    (["Bright Beginnings Preschool & Child Care Center", "Bright Beginnings Preschool and Childcare Ctr", "Bright Beginnings Preschool"], "daycare", "Denver"),
    (["Little Acorns Montessori School", "Little Acorns Montessori", "LITTLE ACORNS MONTESSORI SCHOOL"], "school", "Portland"),
    (["Thomas Jefferson High School", "Jefferson High School", "Thomas Jefferson HS"], "school", "Richmond"),
    (["Sacred Heart Catholic School", "Sacred Heart School", "Sacred Heart Catholic Sch."], "school", "Sacramento"),
    (["Eastside Charter Academy", "East Side Charter Academy", "Eastside Charter Acad."], "school", "Austin"),
    (["Riverside Adult Education Center", "Riverside Adult Ed Center", "Riverside Adult Education Ctr"], "school", "Richmond"),
    (["Johnson Hardware & Supply Co.", "Johnson Hardware and Supply Company", "Johnson Hardware & Supply"], "shop", "Madison"),
    (["Old Town Bicycle Shop", "Old Town Bike Shop", "Old Town Bicycles"], "shop", "Sacramento"),
    (["Blue Door Books & Gifts", "Blue Door Books and Gifts", "Blue Door Bookstore"], "shop", "Raleigh"),
    (["Main Street Florist, Inc.", "Main St. Florist Inc", "Main Street Florist"], "shop", "Springfield"),
    (["Kowalski & Sons Auto Repair", "Kowalski and Sons Auto Repair", "Kowalski & Sons Automotive"], "shop", "Columbus"),
    (["Green Valley Food Co-op", "Green Valley Food Cooperative", "Green Valley Co-op"], "shop", "Portland"),
    (["Sonoran Native Plant Nursery", "Sonoran Native Plants Nursery", "Sonoran Native Plant Nursery, Inc."], "shop", "Tucson"),
    (["Front Range Music Academy", "Front Range Music Academy Inc", "Front Range Music Acad"], "school", "Denver"),
    (["Capital Area Food Bank - North Pantry", "Capital Area Food Bank North Pantry", "Capital Area Food Bank (North)"], "other", "Austin"),
    (["YWCA Early Learning Center", "Y.W.C.A. Early Learning Center", "YWCA Early Learning Ctr"], "daycare", "Richmond"),
    (["Dr. Anita Patel, MD", "Anita Patel MD", "Patel, Anita M.D."], "clinic", "Sacramento"),
    (["Northside Kidney Care Center", "North Side Kidney Care Ctr", "Northside Kidney Care"], "clinic", "Raleigh"),
    (["Hernandez & Lopez Pediatric Dentistry", "Hernandez and Lopez Pediatric Dentistry", "Hernandez Lopez Ped. Dentistry"], "clinic", "Tucson"),
    (["Great Beginnings Child Development Center", "Great Beginnings Child Dev Ctr", "Great Beginnings CDC"], "daycare", "Austin"),
    (["Mt. Zion A.M.E. Church Daycare", "Mount Zion AME Church Day Care", "Mt Zion AME Daycare"], "daycare", "Richmond"),
    (["Sellwood Hardware Co.", "Sellwood Hardware Company", "Sellwood Hardware"], "shop", "Portland"),
    (["Boys & Girls Club of Central Ohio", "Boys and Girls Club of Central Ohio", "Boys & Girls Clubs of Central Ohio"], "other", "Columbus"),
]
for names, kind, city in PLAIN:
    unit = R.choice([None, None, "100", "200", "210", "B", "3A", "400"])
    s = site(names, kind, city, "variants", unit=unit)
    emit(s, R.choice([2, 2, 3, 3, 4]))

# ---- chains: branches at different addresses are different sites -------------------------------
CHAINS = [
    (["Little Sprouts Learning Center", "Little Sprouts Learning Ctr", "Little Sprouts Learning Center Inc."], "daycare",
     [("Springfield", "Downtown"), ("Springfield", "West"), ("Springfield", "Chatham Road"), ("Columbus", "Clintonville")]),
    (["QuickCare Urgent Care", "Quick Care Urgent Care", "QuickCare Urgent Care Clinic"], "clinic",
     [("Austin", "South Lamar"), ("Austin", "Mueller"), ("Austin", "Domain"), ("Denver", "Capitol Hill"), ("Tucson", "Midtown")]),
    (["Main Street Pharmacy", "Main St Pharmacy", "Main Street Pharmacy Inc"], "shop",
     [("Madison", "#112"), ("Madison", "#118"), ("Richmond", "#204"), ("Raleigh", "#301")]),
    (["Kumon Math and Reading Center", "Kumon Math & Reading Center", "KUMON MATH AND READING CENTER"], "school",
     [("Portland", "of Pearl District"), ("Portland", "of Hollywood"), ("Sacramento", "of Midtown")]),
    (["Head Start", "Head Start Center", "Head Start Program"], "daycare",
     [("Tucson", "- Pueblo Gardens"), ("Tucson", "- Amphi"), ("Richmond", "- Church Hill"), ("Springfield", "- Enos Park")]),
    (["Planned Parenthood Health Center", "Planned Parenthood", "Planned Parenthood Health Ctr"], "clinic",
     [("Columbus", "East"), ("Columbus", "Central"), ("Denver", "Central")]),
]
for ci, (variants, kind, branches) in enumerate(CHAINS):
    g = f"chain:{ci + 1:02d}"
    # a few branches share the chain's central phone number (a call centre)
    central = phone(CITIES[branches[0][0]][1])
    for bi, (city, suffix) in enumerate(branches):
        names = [f"{v} {suffix}" if suffix.startswith(("#", "-", "of")) else f"{v} - {suffix}" for v in variants]
        if bi % 2 == 1:
            names = names + [variants[0]]   # one list names the site only by the chain name
        s = site(names, kind, city, "chain_branch", g, unit=R.choice([None, None, "101", "C"]),
                 ph=central if (ci % 2 == 0 and bi < 2) else None)
        emit(s, R.choice([1, 2, 2, 3, 3]))

# ---- same name, different cities (namesake schools, churches) ------------------------------------
NAMESAKES = [
    (["Lincoln Elementary School", "Lincoln Elem. School", "Lincoln Elementary"], "school", ["Springfield", "Madison", "Denver"]),
    (["Washington Middle School", "Washington Middle Sch", "Washington MS"], "school", ["Columbus", "Richmond"]),
    (["First Baptist Church Preschool", "First Baptist Church Pre-School", "First Baptist Preschool"], "daycare", ["Raleigh", "Austin", "Tucson"]),
    (["Community Health Center", "Community Health Ctr", "Community Health Center, Inc."], "clinic", ["Sacramento", "Portland"]),
    (["St. Mary's Medical Clinic", "Saint Mary's Medical Clinic", "St Marys Medical Clinic"], "clinic", ["Springfield", "Madison"]),
]
for ni, (variants, kind, cities) in enumerate(NAMESAKES):
    g = f"namesake:{ni + 1:02d}"
    for city in cities:
        s = site(variants, kind, city, "namesake", g)
        emit(s, R.choice([2, 2, 3]))

# ---- one building, several organisations (suite numbers tell them apart) -------------------------
BUILDINGS = [("Springfield", [("Valley Pediatrics", "Valley Pediatrics, S.C."), ("Valley Dermatology", "Valley Dermatology Associates"),
                              ("Valley Orthopedics & Spine", "Valley Orthopedics and Spine")]),
             ("Denver", [("Cherry Creek Family Dentistry", "Cherry Creek Family Dentistry PC"),
                         ("Cherry Creek Orthodontics", "Cherry Creek Ortho")]),
             ("Raleigh", [("Wake Medical Billing Services", "Wake Medical Billing Svcs"),
                          ("Wake Medical Staffing, Inc.", "Wake Medical Staffing Incorporated")])]
for bi, (city, orgs) in enumerate(BUILDINGS):
    g = f"building:{bi + 1:02d}"
    st, num = R.choice(STREETS), str(R.randint(100, 2400))
    zp = R.choice(CITIES[city][2])
    for oi, names in enumerate(orgs):
        s = site(list(names), "clinic", city, "same_building", g, unit=str(100 * (oi + 1) + R.randint(0, 20)),
                 street=st, num=num, zip_=zp)
        emit(s, R.choice([2, 2, 3]))

# ---- one-off sites, one row each ---------------------------------------------------------------------------------
SINGLE = ["Cornerstone Christian Academy", "Westside Dialysis Center", "Harmony Hearing Aids", "Pioneer Trail Elementary",
          "Pawsitive Pet Grooming", "Golden Years Assisted Living", "Bluebonnet Learning Tree", "Northgate Laundromat",
          "Ironwood Physical Therapy", "Magnolia Speech Therapy, LLC", "Summit Sleep Center", "Evergreen Hospice House",
          "Hometown Hardware", "River Bend Montessori", "Parkside Optometry", "Liberty Tax Service", "Grace Lutheran Preschool",
          "Willow Creek Animal Clinic", "Cedar Ridge Middle School", "Coastal Credit Union", "Hope Pregnancy Center",
          "Aspen Family Medicine", "Pinecrest Academy", "Sunshine Kids Daycare", "Metro Imaging Center",
          "Lakeside Urgent Care", "Heritage Bakery & Cafe", "Trinity Episcopal Day School", "Eagle Eye Vision Center",
          "Canyon View Dental", "Horizon Home Health", "Maple Leaf Daycare", "Unity Health Clinic", "Bridgeway Recovery Services",
          "Saguaro Family Practice", "Capitol Hill Pharmacy", "Oakwood Elementary School", "Hillcrest Nursing Center",
          "Greenfield Tutoring", "Red Rock Physical Therapy"]
cities = list(CITIES)
for i, n in enumerate(SINGLE):
    s = site([n], "other", cities[i % len(cities)], "singleton")
    emit(s, 1)

R.shuffle(ROWS)
OUT.mkdir(parents=True, exist_ok=True)
with open(OUT / "us_sites.csv", "w", encoding="utf-8", newline="") as f, \
        open(OUT / "us_truth.csv", "w", encoding="utf-8", newline="") as g:
    w = csv.writer(f)
    w.writerow(["Record ID", "Site Name", "Address", "Zip", "Phone", "Source List"])
    t = csv.writer(g)
    t.writerow(["record_id", "true_id", "case", "group"])
    for i, r in enumerate(ROWS):
        rid = f"R{1000 + i}"
        w.writerow([rid, r["name"], r["address"], r["zip"], r["phone"], r["lst"]])
        t.writerow([rid, r["site"]["tid"], r["site"]["case"], r["site"]["group"]])
print("rows", len(ROWS), "sites", len(SITES))
