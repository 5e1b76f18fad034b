"""Policy v2's near-copy check of images: the perceptual hash, its distance, and the gate it decides."""

import io
import json
from importlib.metadata import version

import pytest
from PIL import Image, ImageDraw

from polyphony.scoring import Duplicates, analyse, finalise, load_policy, policy_document
from polyphony.scoring.images import distance_of, hamming_distance, similarity_bp

V1, V2 = load_policy("v1"), load_policy("v2")


def picture(seed: int, *, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A drawing with structure: bands of colour and a few shapes placed by `seed`."""
    image = Image.new("RGB", size, (seed * 37 % 256, 90, 160))
    draw = ImageDraw.Draw(image)
    width, height = size
    for shape in range(4):
        x, y = (seed * 53 + shape * 71) % width, (seed * 29 + shape * 97) % height
        draw.ellipse((x - 60, y - 40, x + 60, y + 40), fill=((shape * 90 + seed * 11) % 256, 220 - shape * 40, 30))
    draw.rectangle((0, height * 2 // 3, width, height), fill=(20, (seed * 71) % 256, 60))
    return image


def encoded(image: Image.Image, fmt: str = "PNG", **options: int) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


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
