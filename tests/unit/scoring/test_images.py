"""Policy v2's near-copy check of images: the perceptual hash, its distance, and the gate it decides."""

import json
from importlib.metadata import version

import pytest

from polyphony.scoring import Duplicates, analyse, finalise, load_policy, policy_document
from polyphony.scoring.images import distance_of, hamming_distance, similarity_bp
from tests.support.pictures import encoded, picture

V1, V2 = load_policy("v1"), load_policy("v2")


def image_hash(content: bytes, content_format: str = "png", policy=V2) -> str | None:
    return analyse(content, content_format=content_format, modality="image", policy=policy).image_hash


def test_a_resized_and_re_encoded_copy_is_within_the_policy_distance_and_another_picture_is_not() -> None:
    original = picture(3)
    limit = V2.config["image_near_duplicate"]["max_distance_bits"]
    copy = encoded(original.resize((160, 120)).convert("RGB"), "JPEG", quality=70)
    one, two, other = image_hash(encoded(original)), image_hash(copy, "jpeg"), image_hash(encoded(picture(8)))

    assert one is not None and two is not None and other is not None and len(one) == 16
    assert hamming_distance(one, two) <= limit < hamming_distance(one, other)


@pytest.mark.parametrize("distance", range(65))
def test_the_distance_is_recovered_exactly_from_the_recorded_similarity(distance: int) -> None:
    assert distance_of(similarity_bp(distance, bits=64), bits=64) == distance


def test_a_near_copy_is_a_gate_naming_the_earlier_contribution_and_the_distance() -> None:
    analysis = analyse(encoded(picture(3)), content_format="png", modality="image", policy=V2)

    near = finalise(
        analysis, duplicates=Duplicates(near_of=41, near_similarity_bp=similarity_bp(3, bits=64)), policy=V2
    )
    alone = finalise(analysis, duplicates=Duplicates(), policy=V2)

    assert (near.score, near.verdict, near.dimensions["near_duplicate"]["reason"]) == (0, "fail", "near_copy")
    assert "differs in only 3 of 64 bits from that of contribution 41" in near.summary
    assert alone.verdict == "pass" and alone.dimensions["near_duplicate"]["reason"] == "no_near_copy"


def test_v1_hashes_no_image() -> None:
    analysis = analyse(encoded(picture(3)), content_format="png", modality="image", policy=V1)
    report = finalise(analysis, duplicates=Duplicates(), policy=V1)

    assert analysis.image_hash is None and report.dimensions["near_duplicate"]["reason"] == "not_checked"


def test_the_libraries_that_compute_the_hash_enter_v2s_policy_hash_and_leave_v1s_alone() -> None:
    v1, v2 = (json.loads(policy_document(policy))["libraries"] for policy in (V1, V2))

    assert {"imagehash", "pillow", "scipy"} <= set(v2) and v2["imagehash"] == version("imagehash")
    assert not {"imagehash", "pillow", "scipy"} & set(v1)
