"""Table figures: whether policy v2's row judging passes good tables and fails tables of mostly copied, empty,
foreign or personal rows: bench/out/tables.json.

Runs alone (`python bench/tables.py`, a few seconds on one core). The tables are built from real tables on this
machine: /usr/share/zoneinfo/zone.tab (time zones: country code, coordinates, zone name, comment) and
/etc/services (service name, port/protocol, aliases), each row a CSV row. Every case is scored with `analyse` +
`finalise` under the current policy with no earlier contributions, as CSV unless it says JSONL, and compared with
the verdict it should get:

- `good_*`: the real rows as they are: pass;
- `some_copies`: the real rows plus a tenth of them copied again (some with other case and spacing): pass, the
  score scaled by the kept share;
- `mostly_copies`: a third of the rows, then copies of them up to the full size: fail;
- `mostly_empty`: a third of the rows, then empty rows (`,,,`): fail;
- `mostly_personal`: a third of the rows, then rows with a contact's email address or card number: fail;
- `jsonl_mostly_other_fields`: a JSONL table of a third of the rows as records with the same three keys, the rest
  each with a key of its own (so the three keys are the commonest set, and the rest has other fields): fail.

The card detector finds a Luhn-valid run in a few of zone.tab's coordinates (`+120903-0681636`: 13 digits joined
by a minus): those rows are dropped as `pii:card` in every case, which the figures show.

`rows_per_s` is the judging throughput (analyse + finalise) on the largest good table.
"""

import json
import os
import random
import sys
import time
from pathlib import Path

from polyphony.scoring import Duplicates, analyse, current_policy, finalise

OUT = Path(__file__).resolve().parent / "out" / "tables.json"
SOURCES = {"zones": Path("/usr/share/zoneinfo/zone.tab"), "services": Path("/etc/services")}


def real_rows(name: str) -> list[list[str]]:
    """The table's rows, each split into its fields (comments and blank lines left out)."""
    lines = SOURCES[name].read_text(encoding="utf-8", errors="replace").splitlines()
    rows = [line.split("#")[0].split() if name == "services" else line.split("\t") for line in lines]
    width = 3 if name == "services" else 4
    return [(row + [""] * width)[:width] for row in rows if row and not row[0].startswith("#") and row[0]]


def csv_bytes(rows: list[list[str]]) -> bytes:
    width = len(rows[0])
    header = ",".join(f"field_{n}" for n in range(width))
    quoted = [",".join('"' + cell.replace('"', '""') + '"' for cell in row) for row in rows]
    return ("\n".join([header, *quoted]) + "\n").encode()


def cases(rng: random.Random) -> dict[str, tuple[bytes, str, str]]:
    """Each case's bytes, format and expected verdict."""
    zones, services = real_rows("zones"), real_rows("services")
    third = zones[: len(zones) // 3]
    fill = len(zones) - len(third)
    copies = [list(row) for row in rng.sample(zones, len(zones) // 10)]
    for row in copies[::2]:
        row[2] = "  " + row[2].upper()  # another case and spacing: still a copy once normalised
    personal = [[row[0], row[1], row[2], f"contact jo.{n}@example.org" if n % 2 else "card 4111 1111 1111 1111"]
                for n, row in enumerate(rng.choices(zones, k=fill))]  # fmt: skip
    keys = ["code", "coordinates", "zone"]
    records = [dict(zip(keys, row, strict=False)) for row in third]
    records += [{f"note_{n}": row[3] or row[2]} for n, row in enumerate(zones[len(third) :])]  # each its own keys
    return {
        "good_zones": (csv_bytes(zones), "csv", "pass"),
        "good_services": (csv_bytes(services), "csv", "pass"),
        "some_copies": (csv_bytes(zones + copies), "csv", "pass"),
        "mostly_copies": (csv_bytes(third + rng.choices(third, k=fill)), "csv", "fail"),
        "mostly_empty": (csv_bytes(third + [["", "", "", ""]] * fill), "csv", "fail"),
        "mostly_personal": (csv_bytes(third + personal), "csv", "fail"),
        "jsonl_mostly_other_fields": ("".join(json.dumps(r) + "\n" for r in records).encode(), "jsonl", "fail"),
    }


def judged(content: bytes, content_format: str) -> dict[str, object]:
    policy, _ = current_policy()
    analysis = analyse(content, content_format=content_format, modality="tabular", policy=policy)
    report = finalise(analysis, duplicates=Duplicates(), policy=policy)
    documents = report.documents or {}
    return {
        "verdict": report.verdict, "score": report.score, "rows": documents.get("count"),
        "kept": documents.get("kept"), "dropped": {k: len(v) for k, v in documents.get("dropped", {}).items()},
    }  # fmt: skip


def main() -> None:
    missing = [str(path) for path in SOURCES.values() if not path.is_file()]
    if missing:
        sys.exit(f"missing {', '.join(missing)}: install the tzdata and netbase packages")
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    figures: dict[str, object] = {}
    correct = 0
    for name, (content, content_format, expected) in cases(random.Random(7)).items():  # noqa: S311 (seeded sample)
        result = judged(content, content_format)
        correct += result["verdict"] == expected
        figures[name] = {**result, "expected": expected}
    content = csv_bytes(real_rows("zones") * 20)
    started = time.perf_counter()
    rows = judged(content, "csv")["rows"]
    figures["rows_per_s"] = int(int(str(rows)) / (time.perf_counter() - started))
    figures["verdicts_as_expected"] = f"{correct} of {len(figures) - 1}"
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
