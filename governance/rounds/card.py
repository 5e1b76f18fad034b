"""What describes a pulled round where trainers load data: a Hugging Face dataset card and a Croissant file.

`README.md` opens with YAML that `datasets.load_dataset(folder)` reads: `configs` (one per config written, `text`
the default when present, else the first) and `dataset_info` (each config's features, rows and bytes); its body
says what the round is, how it was approved on-chain, the licenses and contributors in it, the scoring and how to
check it all. `croissant.json` describes the same Parquet files (a `cr:FileSet` and a `cr:RecordSet` of typed
`cr:Field`s per config, each extracting its column) and names the approved manifests it was pulled from, which
stay byte for byte under `croissant/`. Both are plain text built from the pull's facts, which it read from the files.

The API serves the round's card too (`GET /rounds/{n}/card`, `served_card`), before anyone pulls: the same header
(configs, data files, licenses) and sections, counted from the approved manifests less what left the round since,
in contributions and kept documents; only a pull, which reads every file, can add each config's columns, shards
and bytes (`dataset_info`).
"""

import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa
from sqlmodel import Session

from chain.bindings import Deployment
from governance.datasets.kept import kept_in_row
from governance.datasets.service import CONTEXT, CROISSANT, stored_manifest_rows
from governance.rounds.approvals import approvals
from governance.rounds.rows import CONFIGS, CSV_INFERENCE, IMAGE_COLUMNS, config_of
from governance.rounds.shards import SPLIT, WrittenConfig
from governance.rounds.withdrawals import REVOKED, rejected_by_review, withdrawals_among
from polyphony.storage.base import Storage

PARQUET_MEDIA_TYPE = "application/x-parquet"
_CROISSANT_TYPES = {
    pa.int64(): "sc:Integer", pa.float64(): "sc:Float", pa.bool_(): "sc:Boolean", pa.string(): "sc:Text",
}  # fmt: skip
_HF_TYPES = {pa.int64(): "int64", pa.float64(): "float64", pa.bool_(): "bool", pa.string(): "string"}
_IMAGE = dict(IMAGE_COLUMNS)["image"]


@dataclass(frozen=True)
class Approval:
    """One dataset of the round as approved on-chain: its Merkle root, manifest CID and approving transaction."""

    root: str
    manifest_cid: str
    tx_hash: str
    block: int


@dataclass(frozen=True)
class RoundFacts:
    """What the card says of the round beyond its files."""

    round: int
    chain_id: int
    registry: str
    approvals: Sequence[Approval]
    licenses: Counter[str]  # rows per SPDX license
    contributors: int
    contributions: int
    policies: Sequence[str]
    dropped: Sequence[int]


@dataclass(frozen=True)
class ConfigCount:
    """One config of a round as its approved manifests count it, before any file is read."""

    config: str
    contributions: int
    documents: int | None  # its kept documents; None when a file of it was judged whole (a pull counts its rows)


def default_config(names: Sequence[str]) -> str:
    """`text` when the round has text, else the first config."""
    return "text" if "text" in names else names[0]


def dataset_card(facts: RoundFacts, written: Sequence[WrittenConfig]) -> str:
    """The README.md of a pulled round."""
    header = _header(facts, [config.config for config in written])
    header["dataset_info"] = [_dataset_info(config) for config in written]
    configs = "\n".join(
        f"| `{config.config}` | {config.rows:,} | {len(config.shards)} | "
        + ", ".join(f"`{field.name}`" for field in config.schema) + " |"
        for config in written
    )  # fmt: skip
    opening = f"pulled and verified by `polyphony pull`: {_members(facts)}."
    sections = _CONFIGS_PULLED.format(configs=configs) + _rows_and_licenses(facts, unit="rows")
    return _card(header, facts, opening, sections)


def served_card(facts: RoundFacts, counts: Sequence[ConfigCount]) -> str:
    """The round's card as the API serves it: what the approved manifests say, before anything is pulled."""
    configs = "\n".join(
        f"| `{count.config}` | {count.contributions:,} | "
        + (f"{count.documents:,}" if count.documents is not None else "counted when pulled") + " |"
        for count in counts
    )  # fmt: skip
    opening = (
        f"{_members(facts)}. This card is the API's, counted from the approved manifests: "
        f"`polyphony pull --round {facts.round} --out FOLDER` verifies every file and writes the full card beside "
        "the data as `README.md`, with each config's rows, columns, shards and bytes."
    )
    sections = _CONFIGS_SERVED.format(configs=configs) + _rows_and_licenses(facts, unit="contributions")
    return _card(_header(facts, [count.config for count in counts]), facts, opening, sections)


def _header(facts: RoundFacts, configs: Sequence[str]) -> dict[str, Any]:
    """The YAML that `datasets.load_dataset(folder)` reads: the licenses and each config's data files."""
    default = default_config(configs) if configs else None
    return {
        "license": sorted({_hf_license(name) for name in facts.licenses}) or ["other"],
        "pretty_name": f"Polyphony round {facts.round}",
        "configs": [_config_entry(name, default=name == default) for name in configs],
    }


def _config_entry(name: str, *, default: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"config_name": name}
    if default:
        entry["default"] = True
    return entry | {"data_files": [{"split": SPLIT, "path": f"data/{name}/{SPLIT}-*.parquet"}]}


def _dataset_info(config: WrittenConfig) -> dict[str, Any]:
    features = [{"name": field.name, "dtype": _hf_type(field.type)} for field in config.schema]
    return {
        "config_name": config.config, "features": features,
        "splits": [{"name": SPLIT, "num_bytes": config.num_bytes, "num_examples": config.rows}],
    }  # fmt: skip


def _hf_type(data_type: pa.DataType) -> str:
    return "image" if data_type == _IMAGE else _HF_TYPES[data_type]


def _hf_license(spdx_id: str) -> str:
    return spdx_id.lower()


def _members(facts: RoundFacts) -> str:
    return f"{facts.contributions:,} contributions from {facts.contributors:,} contributors{_dropped(facts.dropped)}"


def _dropped(dropped: Sequence[int]) -> str:
    return f" ({len(dropped)} withdrawn since approval, dropped)" if dropped else ""


_CONFIGS_PULLED = """## Configs

| config | rows | shards | columns |
|---|---|---|---|
{configs}

"""
_CONFIGS_SERVED = """## Configs

| config | contributions | kept documents |
|---|---|---|
{configs}

"""


def _rows_and_licenses(facts: RoundFacts, *, unit: str) -> str:
    licenses = "\n".join(f"| {name} | {count:,} |" for name, count in sorted(facts.licenses.items()))
    return f"""\
Every row carries `contribution_id`, `record` (the document's index in its file, as the scorer numbered it),
`contributor`, `license`, `cid` (the file's CID) and `score` (0-10000): filter by license or score, and trace any
row to its file. `lineage.json` maps every row range of every shard back to the file it came from. Only the
documents each file's score kept are here. CSV cells are typed by a fixed rule: {CSV_INFERENCE}

## Licenses

| license (SPDX) | {unit} |
|---|---|
{licenses}

"""


def _card(header: dict[str, Any], facts: RoundFacts, opening: str, sections: str) -> str:
    """A card: the YAML header, what the round is and how it was approved, the `sections`, scoring, checking."""
    approvals = "\n".join(
        f"| `{approval.root}` | `{approval.manifest_cid}` | `{approval.tx_hash}` (block {approval.block}) |"
        for approval in facts.approvals
    )
    policies = ", ".join(f"`{policy}`" for policy in facts.policies) or "none"
    return (
        "---\n"
        + "\n".join(_yaml(header))
        + "\n---\n\n"
        + f"""# Polyphony round {facts.round}

The training data of round {facts.round}, exactly as the DAO approved it on-chain (chain {facts.chain_id},
dataset registry `{facts.registry}`), {opening}

```python
from datasets import load_dataset
rows = load_dataset("path/to/this/folder", split="train")  # the default config; name="tabular" etc. for others
```

## Approval

| Merkle root | manifest CID | approving transaction |
|---|---|---|
{approvals}

The approved manifests (Croissant JSON-LD) are kept byte for byte in `croissant/<manifest CID>.json`;
`croissant.json` describes the Parquet files here.

{sections}## Scoring

Scored under policy {policies} (the policy hash registered on-chain).

## How to verify

Run `polyphony pull --round {facts.round} --out FOLDER` again: it checks that the dataset registry approved each
(root, manifest CID) above, that each manifest hashes to its CID and rebuilds its root, that every file hashes to
the CID the manifest names, and drops contributions withdrawn since; then it writes these files again. The
verified files are in `files/<cid>`.
"""
    )


def round_card(session: Session, *, storage: Storage, deployment: Deployment, round_number: int) -> str:
    """The served card of round `round_number` as of now: its approved manifests less the contributions withdrawn
    and the documents rejected by review since; `RoundNotApproved` while it has no dataset."""
    approved = approvals(session, deployment=deployment, round_number=round_number)
    every_row = {
        int(row["contribution_id"]): row
        for approval in approved for row in stored_manifest_rows(storage, approval.manifest_cid)
    }  # fmt: skip
    feed = withdrawals_among(session, set(every_row))
    withdrawn = {item.contribution_id for item in feed if item.reason == REVOKED}
    rejected = rejected_by_review(asdict(item) for item in feed)
    rows = [row for number, row in sorted(every_row.items()) if number not in withdrawn]
    facts = RoundFacts(
        round=round_number, chain_id=deployment.chain_id, registry=deployment.contracts["datasetRegistry"].address,
        approvals=[
            Approval(approval.root, approval.manifest_cid, approval.tx_hash, approval.block_number)
            for approval in sorted(approved, key=lambda approval: approval.root)
        ],
        licenses=Counter(str(row["license"]) for row in rows),
        contributors=len({row["contributor"] for row in rows}), contributions=len(rows),
        policies=sorted({str(row["policy_hash"]) for row in rows}), dropped=sorted(withdrawn & set(every_row)),
    )  # fmt: skip
    return served_card(facts, config_counts(rows, rejected))


def config_counts(rows: Sequence[Mapping[str, Any]], rejected: Mapping[int, AbstractSet[int]]) -> list[ConfigCount]:
    """Each config's contributions and kept documents among manifest `rows`, less the `rejected` records of each."""
    counts = []
    for config in CONFIGS:
        members = [row for row in rows if config_of(row) == config]
        if members:
            documents = [_kept_count(row, rejected.get(int(row["contribution_id"]), frozenset())) for row in members]
            known = None if None in documents else sum(count for count in documents if count is not None)
            counts.append(ConfigCount(config, len(members), known))
    return counts


def _kept_count(row: Mapping[str, Any], rejected: AbstractSet[int]) -> int | None:
    """The documents of a manifest row a pull writes: its kept ranges less those rejected by review since; one
    for a whole image or plain-text file; None for a whole record file (only reading it counts its rows)."""
    kept = kept_in_row(row)
    if kept is None:
        whole_single = row["modality"] == "image" or row["format"] == "text"
        return (0 if rejected else 1) if whole_single else None
    return len(kept) - sum(1 for record in rejected if record in kept)


def _yaml(value: Any, indent: int = 0) -> Iterator[str]:
    """Block YAML of dicts and lists; each scalar as JSON, which YAML reads as the same value."""
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                yield f"{pad}{key}:"
                yield from _yaml(item, indent + 2)
            else:
                yield f"{pad}{key}: {json.dumps(item)}"
        return
    for item in value:
        nested = list(_yaml(item, indent + 2)) if isinstance(item, dict | list) and item else [json.dumps(item)]
        yield f"{pad}- {nested[0].lstrip()}"
        yield from nested[1:]


def croissant(facts: RoundFacts, written: Sequence[WrittenConfig]) -> bytes:
    """The pulled folder's own Croissant file: the Parquet files, their typed fields, and the manifests' CIDs."""
    cids = [approval.manifest_cid for approval in facts.approvals]
    document = {
        "@context": CONTEXT, "@type": "sc:Dataset", "conformsTo": CROISSANT,
        "name": f"polyphony-round-{facts.round}",
        "description": f"Round {facts.round} of Polyphony as approved on chain {facts.chain_id}, pulled and "
        f"verified from the approved manifests {', '.join(cids)}: the kept documents as Parquet.",
        "url": f"https://polyphony.dev/rounds/{facts.round}", "version": "1.0.0",
        "citeAs": f"Polyphony round {facts.round}, manifests {', '.join(cids)}",
        "license": sorted(f"https://spdx.org/licenses/{name}.html" for name in facts.licenses),
        "isBasedOn": [f"ipfs://{cid}" for cid in cids],
        "distribution": [_file_set(config) for config in written],
        "recordSet": [_record_set(config) for config in written],
    }  # fmt: skip
    return json.dumps(document, indent=1, ensure_ascii=False).encode()


def _file_set(config: WrittenConfig) -> dict[str, Any]:
    return {
        "@type": "cr:FileSet", "@id": f"{config.config}-parquet", "name": f"{config.config}-parquet",
        "description": f"The {config.config} config's Parquet shards.", "encodingFormat": PARQUET_MEDIA_TYPE,
        "includes": f"data/{config.config}/*.parquet",
    }  # fmt: skip


def _record_set(config: WrittenConfig) -> dict[str, Any]:
    fields = [_field(config.config, field) for field in config.schema]
    return {
        "@type": "cr:RecordSet", "@id": config.config, "name": config.config,
        "description": f"One row per kept document of the {config.config} config.", "field": fields,
    }  # fmt: skip


def _field(config: str, field: pa.Field) -> dict[str, Any]:
    source: dict[str, Any] = {"fileSet": {"@id": f"{config}-parquet"}, "extract": {"column": field.name}}
    if field.type == _IMAGE:  # the image column is a struct (bytes, path), as Hugging Face stores images
        source["transform"] = {"jsonPath": "bytes"}
    return {
        "@type": "cr:Field", "@id": f"{config}/{field.name}", "name": field.name,
        "dataType": "sc:ImageObject" if field.type == _IMAGE else _CROISSANT_TYPES[field.type], "source": source,
    }  # fmt: skip
