"""A pulled round loads straight into a training job: text, tables and images uploaded through the real API,
anchored, approved on anvil and pulled by `polyphony pull`, then read with Hugging Face `datasets` (plain and
streaming) and `mlcroissant`, and every row traced back to its contribution through its columns and the
lineage file."""

import io
import json
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import datasets
import mlcroissant
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image
from typer.testing import CliRunner
from web3 import Web3

from chain.bindings import Deployment
from cli.client import PolyphonyClient
from cli.main import app
from tests.integration.datasets.conftest import Contributed, approve, index_through_the_workers
from tests.support.seeding import new_round

runner = CliRunner()


def _png(width: int, height: int) -> bytes:
    pixels = random.randbytes(width * height * 3)  # noise: no other test uploads these bytes
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), pixels).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.usefixtures("celery_worker")
def test_a_pulled_round_of_text_tables_and_images_loads_with_datasets_and_croissant(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str, web3: Web3,
    deployment: Deployment, tmp_path: Path,
) -> None:  # fmt: skip
    tag = random.getrandbits(48)
    records = [{"text": f"record {i} of {tag}", "source": "web", "year": 2020 + i} for i in range(3)]
    jsonl = contribute([("\n".join(json.dumps(r) for r in records) + "\n").encode()], score=7100)
    named = contribute([b'{"body": "the text is in body %d", "n": 1.5}\n' % tag], form={"text_field": "body"})
    notes = contribute([b"Notes %d.\nA plain-text file is one document.\n" % tag], name="notes.txt")
    table = contribute(
        [b"city,people,area,tag\nLisbon,545923,100.05,%d\nPorto,231800,41.42,x\n" % tag], name="cities.csv",
        form={"modality": "tabular"},
    )  # fmt: skip
    image = contribute([_png(5, 4)], name="noise.png", form={"modality": "image", "license": "cc0-1.0"})
    every = [jsonl, named, notes, table, image]
    ids = [number for made in every for number in made.ids]
    dataset = curator.call("POST", "/datasets", json={"name": "training ready", "contribution_ids": ids})
    round_number = new_round()
    approve(web3, deployment, round_number=round_number, root=dataset["root"], manifest_cid=dataset["manifest_cid"])
    index_through_the_workers()

    out = tmp_path / "round"
    pulled = runner.invoke(app, ["pull", "--round", str(round_number), "--out", str(out), "--api", api_url])
    assert pulled.exit_code == 0, pulled.output
    assert (out / "croissant" / f"{dataset['manifest_cid']}.json").exists()  # the voted manifest, as approved

    # Typed Parquet, sharded the way Hugging Face names it, every row with its lineage.
    assert sorted(path.name for path in (out / "data").iterdir()) == ["image", "tabular", "text"]
    text = pq.read_table(out / "data" / "text" / "train-00000-of-00001.parquet")
    assert text.schema.field("year").type == pa.int64() and text.schema.field("n").type == pa.float64()
    rows = {(row["contribution_id"], row["record"]): row for row in text.to_pylist()}
    assert [rows[(jsonl.ids[0], i)]["text"] for i in range(3)] == [record["text"] for record in records]
    assert rows[(jsonl.ids[0], 2)]["year"] == 2022 and rows[(jsonl.ids[0], 2)]["score"] == 7100
    assert rows[(named.ids[0], 0)]["text"] == f"the text is in body {tag}"
    assert rows[(notes.ids[0], 0)]["text"] == notes.contents[0].decode()  # the whole file, one document
    cities = pq.read_table(out / "data" / "tabular" / "train-00000-of-00001.parquet")
    types = {field.name: field.type for field in cities.schema}
    assert (types["people"], types["area"], types["city"], types["tag"]) == (pa.int64(), pa.float64(), pa.string(),
                                                                            pa.string())  # fmt: skip
    assert [(row["city"], row["people"]) for row in cities.to_pylist()] == [("Lisbon", 545923), ("Porto", 231800)]
    by_id = {made.ids[0]: made for made in every}
    for config in ("text", "tabular", "image"):
        for shard in sorted((out / "data" / config).iterdir()):
            for row in pq.read_table(shard).to_pylist():
                made = by_id[row["contribution_id"]]
                assert (row["cid"], row["contributor"]) == (made.cids[0], curator.wallet.address)
                assert row["license"] == ("CC0-1.0" if made is image else "CC-BY-4.0")
                assert row["score"] == (7100 if made is jsonl else 8000)

    # The lineage file maps every row range back to the file it came from.
    lineage = json.loads((out / "lineage.json").read_text())
    ranges = [(found["file"], found["contribution_id"], found["cid"], found["records"], tuple(found["rows"]))
              for found in lineage["rows"]["text"]]  # fmt: skip
    assert ranges[0] == ("data/text/train-00000-of-00001.parquet", jsonl.ids[0], jsonl.cids[0], "0-2", (0, 3))
    assert sum(end - start for *_, (start, end) in ranges) == text.num_rows

    # Hugging Face datasets, with no arguments but the folder; and streaming.
    cache = str(tmp_path / "hf-cache")
    loaded = datasets.load_dataset(str(out), split="train", cache_dir=cache)
    assert sorted(loaded["text"]) == sorted(row["text"] for row in rows.values())
    streamed = datasets.load_dataset(str(out), split="train", streaming=True, cache_dir=cache)
    assert [row["text"] for row in streamed] == loaded["text"]
    pictures = datasets.load_dataset(str(out), "image", split="train", cache_dir=cache)
    assert pictures[0]["image"].size == (5, 4) and (pictures[0]["width"], pictures[0]["height"]) == (5, 4)
    card = (out / "README.md").read_text()
    assert dataset["manifest_cid"] in card and dataset["root"] in card and "CC0-1.0 | 1 |" in card

    # Croissant: the records are the text and the rows, and the file validates.
    croissant = mlcroissant.Dataset(jsonld=out / "croissant.json")
    assert sorted(record["text/text"].decode() for record in croissant.records("text")) == sorted(loaded["text"])
    assert [record["tabular/people"] for record in croissant.records("tabular")] == [545923, 231800]
    validated = subprocess.run(
        [str(Path(sys.executable).with_name("mlcroissant")), "validate", "--jsonld", str(out / "croissant.json")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert validated.returncode == 0 and "error" not in validated.stderr.lower(), validated.stderr

    # A re-run resumes: nothing fetched again, the same rows written again.
    again = runner.invoke(app, ["pull", "--round", str(round_number), "--out", str(out), "--api", api_url])
    assert again.exit_code == 0, again.output
    assert pq.read_table(out / "data" / "text" / "train-00000-of-00001.parquet").equals(text)
