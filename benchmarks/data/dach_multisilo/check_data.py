"""Sanity checks of the held-out data (not of the matcher): truth covers every source row once."""
import csv, json, sqlite3, sys
from collections import Counter
from pathlib import Path

H = Path(__file__).resolve().parent
ok = True
def fail(msg):
    global ok; ok = False; print("FAIL", msg)

src = {}
with open(H / "dach/crm_kontakte.csv", encoding="utf-8-sig", newline="") as f:
    src["crm"] = [r["Kundennr"] for r in csv.DictReader(f, delimiter=";")]
src["shop"] = [r["customer_id"] for r in json.load(open(H / "dach/shop_kunden.json", encoding="utf-8"))]
src["erp"] = [str(r[0]) for r in sqlite3.connect(H / "dach/erp.sqlite").execute("select kunden_id from kunden")]
with open(H / "dach/newsletter.csv", encoding="utf-8", newline="") as f:
    src["newsletter"] = [r["ID"] for r in csv.DictReader(f)]
truth = list(csv.DictReader(open(H / "dach/truth.csv", encoding="utf-8")))
tk = Counter((r["silo"], r["source_id"]) for r in truth)
if any(v > 1 for v in tk.values()): fail("duplicate truth keys")
for s, ids in src.items():
    if len(ids) != len(set(ids)): fail(f"{s}: duplicate source ids")
    if set(ids) != {i for (ss, i) in tk if ss == s}: fail(f"{s}: truth and silo ids differ")
if not (500 <= len(truth) <= 800): fail(f"A has {len(truth)} records")
us = list(csv.DictReader(open(H / "us/us_sites.csv", encoding="utf-8")))
ut = list(csv.DictReader(open(H / "us/us_truth.csv", encoding="utf-8")))
if [r["Record ID"] for r in us] != [r["record_id"] for r in ut]: fail("US truth and file ids differ")
print("A", {s: len(i) for s, i in src.items()}, "total", len(truth), "| B", len(us), "rows,",
      len({r['true_id'] for r in ut}), "sites |", "ok" if ok else "PROBLEMS")
sys.exit(0 if ok else 1)
