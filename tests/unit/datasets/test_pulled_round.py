"""A pulled round's typed Parquet, dataset card and Croissant file, from verified files in a temporary folder,
loaded as trainers load them: `datasets.load_dataset` (plain and streaming) and `mlcroissant`."""

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import datasets
import mlcroissant
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from cli.train import MODEL_KIND, train_unigram
from governance.rounds.card import Approval, ConfigCount, RoundFacts, config_counts, croissant, dataset_card
from governance.rounds.errors import PullRefused
from governance.rounds.pull import write_configs
from governance.rounds.rows import Source, csv_cell

ROUND = 7


def _row(number: int, *, cid: str, modality: str, content_format: str, **extra: Any) -> dict[str, Any]:
    return {
        "contribution_id": number, "cid": cid, "format": content_format, "modality": modality,
        "license": "CC-BY-4.0" if number % 2 else "CC0-1.0", "contributor": f"0x{number:040x}",
        "score": 7000 + number, "policy_hash": "0x" + "ab" * 32, "kept_documents": None,
    } | extra  # fmt: skip


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 30)).save(out, format="PNG")
    return out.getvalue()


FILES: dict[str, bytes] = {
    "jsonl-a": b'{"text": "first kept", "lang": "en", "n": 1}\n{"text": "dropped junk", "lang": "en", "n": 2}\n\n'
    b'{"text": "third kept", "lang": "pt", "n": 3.5}\n',
    "jsonl-b": b'{"body": "a record whose text is in body", "text": "not the text", "n": 4}\n',
    "notes": b"A plain-text file.\nIt is one document, all of it.\n",
    "table-a": b"city,people,area,note\nLisbon,545923,100.05,capital\nPorto,231800,41.42,\n",
    "table-b": b"city,people,area,note\nFaro,64560,202,south\n",
    "image-a": _png(3, 2),
}


def _sources(folder: Path) -> list[Source]:
    (folder / "files").mkdir(parents=True)
    for cid, content in FILES.items():
        (folder / "files" / cid).write_bytes(content)
    rows = [
        (_row(1, cid="jsonl-a", modality="text", content_format="jsonl", kept_documents="0,2"), "text"),
        (_row(2, cid="jsonl-b", modality="text", content_format="jsonl"), "body"),
        (_row(3, cid="notes", modality="text", content_format="text", kept_documents="0"), "text"),
        (_row(4, cid="table-a", modality="tabular", content_format="csv"), "text"),
        (_row(5, cid="table-b", modality="tabular", content_format="csv", kept_documents="0"), "text"),
        (_row(6, cid="image-a", modality="image", content_format="png"), "text"),
    ]
    return [Source(row=row, path=folder / "files" / row["cid"], text_field=field) for row, field in rows]


def _pulled(folder: Path, sources: list[Source] | None = None, **sizes: int) -> list[Any]:
    sources = _sources(folder) if sources is None else sources
    written = write_configs(folder, sources, **sizes)
    facts = RoundFacts(
        round=ROUND, chain_id=31337, registry="0x" + "11" * 20,
        approvals=[Approval(root="0x" + "cd" * 32, manifest_cid="bafymanifest", tx_hash="0x" + "ef" * 32, block=9)],
        licenses=Counter({"CC-BY-4.0": 3, "CC0-1.0": 4}), contributors=6, contributions=6,
        policies=["0x" + "ab" * 32], dropped=[],
    )  # fmt: skip
    (folder / "README.md").write_text(dataset_card(facts, written))
    (folder / "croissant.json").write_bytes(croissant(facts, written))
    return written


def test_text_rows_hold_the_text_and_typed_fields_and_every_row_its_lineage(tmp_path: Path) -> None:
    _pulled(tmp_path)
    [shard] = sorted((tmp_path / "data" / "text").iterdir())
    assert shard.name == "train-00000-of-00001.parquet"
    table = pq.read_table(shard)
    assert table.schema.field("n").type == pa.float64() and table.schema.field("lang").type == pa.string()
    rows = table.to_pylist()
    assert [(row["contribution_id"], row["record"], row["text"]) for row in rows] == [
        (1, 0, "first kept"), (1, 2, "third kept"), (2, 0, "a record whose text is in body"),
        (3, 0, FILES["notes"].decode()),
    ]  # fmt: skip
    assert rows[2]["field_text"] == "not the text" and rows[0]["n"] == 1.0 and rows[1]["n"] == 3.5
    lineage = [(row["license"], row["cid"], row["score"], row["contributor"]) for row in rows]
    assert lineage[0] == ("CC-BY-4.0", "jsonl-a", 7001, f"0x{1:040x}") and lineage[3][:3] == (
        "CC-BY-4.0",
        "notes",
        7003,
    )


def test_csv_columns_keep_their_types_and_kept_rows_only(tmp_path: Path) -> None:
    _pulled(tmp_path)
    table = pq.read_table(tmp_path / "data" / "tabular" / "train-00000-of-00001.parquet")
    types = {field.name: field.type for field in table.schema}
    assert (types["people"], types["area"], types["city"]) == (pa.int64(), pa.float64(), pa.string())
    assert [(row["city"], row["people"], row["area"], row["note"]) for row in table.to_pylist()] == [
        ("Lisbon", 545923, 100.05, "capital"), ("Porto", 231800, 41.42, None), ("Faro", 64560, 202.0, "south"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("cell", "value"),
    [("", None), ("12", 12), ("-3", -3), ("1.5", 1.5), ("2e3", 2000.0), ("nan", "nan"), ("12a", "12a"),
     ("9" * 30, "9" * 30), ("inf", "inf"), ("true", "true")],
)  # fmt: skip
def test_a_csv_cell_is_typed_by_one_fixed_rule(cell: str, value: object) -> None:
    assert csv_cell(cell) == value


def test_the_folder_loads_with_datasets_plain_and_streaming(tmp_path: Path) -> None:
    _pulled(tmp_path)
    cache = str(tmp_path / "hf-cache")
    text = datasets.load_dataset(str(tmp_path), split="train", cache_dir=cache)
    assert text["text"][:2] == ["first kept", "third kept"] and len(text) == 4
    streamed = datasets.load_dataset(str(tmp_path), split="train", streaming=True, cache_dir=cache)
    assert [row["text"] for row in streamed] == text["text"]
    tabular = datasets.load_dataset(str(tmp_path), "tabular", split="train", cache_dir=cache)
    assert tabular["people"] == [545923, 231800, 64560]
    image = datasets.load_dataset(str(tmp_path), "image", split="train", cache_dir=cache)
    assert image[0]["image"].size == (3, 2) and (image[0]["width"], image[0]["format"]) == (3, "png")


def test_the_croissant_file_validates_and_its_records_are_the_rows(tmp_path: Path) -> None:
    _pulled(tmp_path)
    dataset = mlcroissant.Dataset(jsonld=tmp_path / "croissant.json")
    texts = [record["text/text"] for record in dataset.records("text")]
    assert texts[:2] == [b"first kept", b"third kept"]
    rows = [(record["tabular/city"], record["tabular/people"]) for record in dataset.records("tabular")]
    assert rows == [(b"Lisbon", 545923), (b"Porto", 231800), (b"Faro", 64560)]
    [image] = dataset.records("image")
    assert image["image/image"].size == (3, 2) and image["image/license"] == b"CC0-1.0"
    assert json.loads((tmp_path / "croissant.json").read_text())["isBasedOn"] == ["ipfs://bafymanifest"]


def test_shards_and_row_groups_are_cut_by_bytes(tmp_path: Path) -> None:
    written = _pulled(tmp_path, shard_bytes=300, row_group_bytes=150)
    text = next(config for config in written if config.config == "text")
    assert len(text.shards) > 1
    count = len(text.shards)
    assert [shard.name for shard in text.shards] == [f"train-{i:05d}-of-{count:05d}.parquet" for i in range(count)]
    assert sum(pq.ParquetFile(shard).metadata.num_rows for shard in text.shards) == 4
    groups = [pq.ParquetFile(shard).metadata.num_row_groups for shard in text.shards]
    assert sum(groups) > len(groups) or len(groups) == 4
    covered = [(found.file, found.start, found.end, found.contribution_id) for found in text.ranges]
    assert sum(end - start for _, start, end, _ in covered) == 4 and covered[0][0].startswith("data/text/train-")


def test_the_reference_trainer_reads_the_folder_through_datasets_and_measures_held_out_text(tmp_path: Path) -> None:
    lines = [json.dumps({"text": f"the cat sat on mat number {i % 3}"}) for i in range(20)]
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "cats").write_text("\n".join(lines) + "\n")
    row = _row(1, cid="cats", modality="text", content_format="jsonl", kept_documents="0-18")
    _pulled(tmp_path, [Source(row=row, path=tmp_path / "files" / "cats")])
    lineage = {"round": ROUND, "chainId": 31337, "datasets": [{"manifestCid": "bafymanifest"}], "contributors": ["a"]}
    (tmp_path / "lineage.json").write_text(json.dumps(lineage))

    trained = train_unigram(tmp_path, tmp_path / "model.json")
    assert (trained.trained_rows, trained.held_out_rows) == (18, 1)  # 19 kept rows, every tenth held out
    model = json.loads((tmp_path / "model.json").read_text())
    assert model["kind"] == MODEL_KIND and model["vocabulary"]["cat"] == 18 and model["licenses"] == {"CC-BY-4.0": 18}
    assert model["lineage"] == {"round": ROUND, "chainId": 31337, "manifests": ["bafymanifest"], "contributors": 1}
    assert trained.perplexity is not None and 1 < trained.perplexity < 10  # seen words: far below the vocabulary


def test_a_verified_file_that_does_not_read_as_its_format_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "broken").write_bytes(b'{"text": "fine"}\n{"text": \n')
    row = _row(9, cid="broken", modality="text", content_format="jsonl")
    with pytest.raises(PullRefused, match=r"contribution 9 \(broken\): its verified bytes do not read as jsonl"):
        write_configs(tmp_path, [Source(row=row, path=tmp_path / "files" / "broken")])


def test_without_text_the_first_config_present_is_the_default(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "table").write_bytes(FILES["table-a"])
    row = _row(4, cid="table", modality="tabular", content_format="csv")
    _pulled(tmp_path, [Source(row=row, path=tmp_path / "files" / "table")])
    assert not (tmp_path / "data" / "text").exists()
    assert '- config_name: "tabular"\n    default: true' in (tmp_path / "README.md").read_text()
    loaded = datasets.load_dataset(str(tmp_path), split="train", cache_dir=str(tmp_path / "hf-cache"))
    assert loaded["city"] == ["Lisbon", "Porto"]


def test_the_served_card_counts_kept_documents_less_rejected_ones_and_leaves_whole_record_files_to_the_pull() -> None:
    rows = [
        _row(1, cid="a", modality="text", content_format="jsonl", kept_documents="0-3,5"),
        _row(2, cid="b", modality="text", content_format="text", kept_documents="0"),
        _row(3, cid="c", modality="tabular", content_format="csv", kept_documents="0-9"),
        _row(4, cid="d", modality="tabular", content_format="csv"),  # judged whole: only reading it counts its rows
        _row(5, cid="e", modality="image", content_format="png"),
        _row(6, cid="f", modality="image", content_format="png"),
    ]
    rejected = {1: {2, 4}, 6: {0}}  # record 4 of contribution 1 was dropped by its score already
    assert config_counts(rows, rejected) == [
        ConfigCount("text", contributions=2, documents=4 + 1), ConfigCount("tabular", contributions=2, documents=None),
        ConfigCount("image", contributions=2, documents=1),
    ]  # fmt: skip
