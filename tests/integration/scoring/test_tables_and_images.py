"""Policy v2 on tables and images through the real workers: a table of mostly copied rows fails naming them, and
an image that is a resized, re-encoded copy of another contributor's is gated as its near copy; the image hashes
on a real Redis are compared in anchoring order only."""

import random
import uuid

import pytest
from redis import Redis
from typer.testing import CliRunner

from cli.client import PolyphonyClient
from cli.main import app as cli
from polyphony.scores.image_copies import ImageCopies, decide_image_copy
from polyphony.scoring import Analysis, Duplicates, load_policy
from tests.integration.scoring.conftest import wait_for_verdict
from tests.support.contributor_flows import anchor_through_the_chain_worker, claim, upload
from tests.support.pictures import encoded, picture

V2 = load_policy("v2")
RNG = random.Random()  # a fresh picture each run: the scoring index outlives one test


def contribute(client: PolyphonyClient, content: bytes, name: str, *, modality: str) -> int:
    stored = upload(client, content, name, modality=modality)
    claim(client, stored["id"])
    assert anchor_through_the_chain_worker() is not None
    return int(stored["id"])


@pytest.mark.usefixtures("chain_celery_worker", "scoring_celery_worker")
def test_a_table_of_mostly_copied_rows_fails_and_names_each_dropped_row(contributor: PolyphonyClient) -> None:
    tag = uuid.uuid4().hex
    rows = [f"{n},station {tag} {n},{n * 7 % 23} mm of rain" for n in range(3)]
    content = ("id,station,reading\n" + "\n".join([*rows, *[rows[0]] * 6, ",,"]) + "\n").encode()
    contribution_id = contribute(contributor, content, "rain.csv", modality="tabular")

    shown = wait_for_verdict(contributor, contribution_id)
    dropped = contributor.call("GET", f"/contributions/{contribution_id}/records", params={"status": "dropped"})

    assert (shown["score"], shown["verdict"], shown["records"], shown["kept_records"]) == (0, "fail", 10, 0)
    assert shown["dimensions"]["documents"]["reason"] == "too_little_kept"
    assert "Kept 3 of 10 rows (30%)" in shown["explanation"]
    assert [(item["record"], item["reason"]) for item in dropped["items"]] == [
        *((n, "copy_in_upload") for n in range(3, 9)), (9, "empty_row"),
    ]  # fmt: skip


@pytest.mark.usefixtures("chain_celery_worker", "scoring_celery_worker")
def test_a_resized_re_encoded_copy_of_anothers_image_is_gated_as_its_near_copy(
    contributor: PolyphonyClient, stranger: PolyphonyClient, api_url: str
) -> None:
    original = picture(RNG.randrange(1 << 30))
    first = contribute(contributor, encoded(original), "meadow.png", modality="image")
    copy = encoded(original.resize((300, 225)), "JPEG", quality=75)
    second = contribute(stranger, copy, "my-meadow.jpg", modality="image")

    earlier, later = wait_for_verdict(contributor, first), wait_for_verdict(stranger, second)

    assert earlier["verdict"] == "pass" and earlier["dimensions"]["near_duplicate"]["reason"] == "no_near_copy"
    assert (later["score"], later["verdict"], later["duplicate_of"]) == (0, "fail", first)
    assert later["dimensions"]["near_duplicate"]["reason"] == "near_copy"
    assert f"from that of contribution {first}, anchored earlier" in later["explanation"]
    verified = CliRunner().invoke(cli, ["verify", "score", str(second), "--api", api_url])
    assert verified.exit_code == 0, verified.output  # the near copy's distance recomputes from both images' bytes


def image(image_hash: str) -> Analysis:
    return Analysis("00" * 32, None, None, (), None, {}, modality="image", content_format="png", image_hash=image_hash)


def test_an_image_is_compared_only_with_images_earlier_in_anchoring_order(redis_url: str) -> None:
    copies = ImageCopies(Redis.from_url(redis_url), policy_hash=uuid.uuid4().hex)
    copies.add(image("ffff0000ffff0000"), contribution_id=7, position=700)  # 0 bits from the judged one, later
    copies.add(image("ffff0000ffff000f"), contribution_id=3, position=300)  # 4 bits: within the limit
    copies.add(image("ffff0000ffff00ff"), contribution_id=2, position=200)  # 8 bits: within, but farther
    copies.add(image("0000ffff0000ffff"), contribution_id=1, position=100)  # 64 bits: another picture
    copies.add(image("ffff0000ffff000f"), contribution_id=3, position=300)  # again: nothing changes

    found = decide_image_copy(copies, image("ffff0000ffff0000"), Duplicates(), position=500, policy=V2)
    first = decide_image_copy(copies, image("ffff0000ffff0000"), Duplicates(), position=250, policy=V2)
    alone = decide_image_copy(copies, image("ffff0000ffff0000"), Duplicates(), position=150, policy=V2)

    assert (found.near_of, found.near_similarity_bp) == (3, (64 - 4) * 10_000 // 64)  # the closest earlier one
    assert first.near_of == 2 and alone == Duplicates()
    assert [contribution for _, contribution, _ in copies.earlier(before=10_000)] == [1, 2, 3, 7]
