"""What describes a pulled round where trainers load data: a Hugging Face dataset card and a Croissant file.

`README.md` opens with YAML that `datasets.load_dataset(folder)` reads: `configs` (one per config written, `text`
the default when present, else the first) and `dataset_info` (each config's features, rows and bytes); its body
says what the round is, how it was approved on-chain, the licenses and contributors in it, the scoring and how to
check it all. `croissant.json` describes the same Parquet files (a `cr:FileSet` and a `cr:RecordSet` of typed
`cr:Field`s per config, each extracting its column) and names the approved manifests it was pulled from, which
stay byte for byte under `croissant/`. Both are plain text built from the pull's facts: nothing here reads files.
"""

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from governance.datasets.service import CONTEXT, CROISSANT
from governance.rounds.rows import CSV_INFERENCE, IMAGE_COLUMNS
from governance.rounds.shards import SPLIT, WrittenConfig

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


def default_config(written: Sequence[WrittenConfig]) -> str:
    """`text` when the round has text, else the first config written."""
    names = [config.config for config in written]
    return "text" if "text" in names else names[0]


def dataset_card(facts: RoundFacts, written: Sequence[WrittenConfig]) -> str:
    """The README.md of a pulled round."""
    default = default_config(written) if written else None
    header = {
        "license": sorted({_hf_license(name) for name in facts.licenses}) or ["other"],
        "pretty_name": f"Polyphony round {facts.round}",
        "configs": [_config_entry(config, default=config.config == default) for config in written],
        "dataset_info": [_dataset_info(config) for config in written],
    }  # fmt: skip
    return "---\n" + "\n".join(_yaml(header)) + "\n---\n\n" + _body(facts, written)


def _config_entry(config: WrittenConfig, *, default: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"config_name": config.config}
    if default:
        entry["default"] = True
    return entry | {"data_files": [{"split": SPLIT, "path": f"data/{config.config}/{SPLIT}-*.parquet"}]}


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


def _body(facts: RoundFacts, written: Sequence[WrittenConfig]) -> str:
    approvals = "\n".join(
        f"| `{approval.root}` | `{approval.manifest_cid}` | `{approval.tx_hash}` (block {approval.block}) |"
        for approval in facts.approvals
    )
    configs = "\n".join(
        f"| `{config.config}` | {config.rows:,} | {len(config.shards)} | "
        + ", ".join(f"`{field.name}`" for field in config.schema) + " |"
        for config in written
    )  # fmt: skip
    licenses = "\n".join(f"| {name} | {count:,} |" for name, count in sorted(facts.licenses.items()))
    policies = ", ".join(f"`{policy}`" for policy in facts.policies) or "none"
    return f"""# Polyphony round {facts.round}

The training data of round {facts.round}, exactly as the DAO approved it on-chain (chain {facts.chain_id},
dataset registry `{facts.registry}`), pulled and verified by `polyphony pull`: {facts.contributions:,}
contributions from {facts.contributors:,} contributors{_dropped(facts.dropped)}.

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

## Configs

| config | rows | shards | columns |
|---|---|---|---|
{configs}

Every row carries `contribution_id`, `record` (the document's index in its file, as the scorer numbered it),
`contributor`, `license`, `cid` (the file's CID) and `score` (0-10000): filter by license or score, and trace any
row to its file. `lineage.json` maps every row range of every shard back to the file it came from. Only the
documents each file's score kept are here. CSV cells are typed by a fixed rule: {CSV_INFERENCE}

## Licenses

| license (SPDX) | rows |
|---|---|
{licenses}

## Scoring

Scored under policy {policies} (the policy hash registered on-chain).

## How to verify

Run `polyphony pull --round {facts.round} --out FOLDER` again: it checks that the dataset registry approved each
(root, manifest CID) above, that each manifest hashes to its CID and rebuilds its root, that every file hashes to
the CID the manifest names, and drops contributions withdrawn since; then it writes these files again. The
verified files are in `files/<cid>`.
"""


def _dropped(dropped: Sequence[int]) -> str:
    return f" ({len(dropped)} withdrawn since approval, dropped)" if dropped else ""


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
