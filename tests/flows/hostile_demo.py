"""A demo data set with hostile values (markup in names, ids, e-mails and a silo owner)."""

from __future__ import annotations

import json
from pathlib import Path

from flows.demo import write_demo

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_ID = '"><img src=x onerror=alert(2)>'
HOSTILE_OWNER = "<b onmouseover=alert(3)>E-Commerce</b>"


def write_hostile_demo(directory: Path) -> None:
    """A demo whose shop has a hostile name, id and e-mail, and a hostile silo owner."""
    write_demo(directory, persons=100, seed=5)
    shop = directory / "shop.json"
    customers = json.loads(shop.read_text("utf-8"))
    customers[0].update(name=HOSTILE_NAME, email=HOSTILE_NAME, customer_id=HOSTILE_ID)
    customers[1].update(name=f"Max {HOSTILE_NAME}", email="kaputt", phone=HOSTILE_NAME)
    shop.write_text(json.dumps(customers, ensure_ascii=False), "utf-8")
    toml = directory / "golden.toml"
    text = toml.read_text("utf-8").replace(
        'owner = "E-Commerce"', f"owner = {json.dumps(HOSTILE_OWNER)}"
    )
    toml.write_text(text, "utf-8")
