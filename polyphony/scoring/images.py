"""Near copies of images (every policy with an `image_near_duplicate` section: v2 on), by perceptual hash.

An image's hash is `imagehash.phash`: the signs of the low frequencies of the discrete cosine transform of the
image in greyscale at 32 x 32 pixels, 64 bits (Zauner, "Implementation and Benchmarking of Perceptual Image Hash
Functions", 2010); a JPEG is first decoded at a reduced scale (the policy's `draft_side`). Resizing, re-encoding
and a slight crop move few of its bits (`bench/images.py` measures how few), so two images whose hashes differ
in at most the policy's `max_distance_bits` bits (their Hamming distance) are near copies: the later one, in
anchoring order, is gated as a near copy of the earlier. Pillow (the greyscale and the resize), SciPy (the DCT)
and ImageHash compute the hash, so the policy names them in `libraries` and their versions enter its hash.

A score carries the distance as a similarity, `(bits - distance) * 10000 // bits` basis points, in the same field
as a text's MinHash similarity; the distance is recovered from it exactly (`distance_of`).
"""

import io
from collections.abc import Mapping
from typing import Any

import imagehash
from PIL import Image

from polyphony.scoring.results import BP, Dimension, Duplicates

_HEX = 16


def perceptual_hash(content: bytes, *, config: Mapping[str, Any]) -> str | None:
    """The image's perceptual hash as hex, or None under a policy that checks no image for near copies."""
    near = config.get("image_near_duplicate")
    if near is None:
        return None
    size = int(near["hash_size"])
    with Image.open(io.BytesIO(content)) as image:
        # A JPEG decodes at the smallest scale (1/2 to 1/8) still `draft_side` pixels a side: the hash reads only
        # 32 x 32 of them, and a photo's full decode costs ten times more (a no-op for PNG).
        image.draft(image.mode, (int(near["draft_side"]),) * 2)
        return str(imagehash.phash(image, hash_size=size))


def hash_bits(config: Mapping[str, Any]) -> int:
    """How many bits an image's hash has under the policy."""
    return int(config["image_near_duplicate"]["hash_size"]) ** 2


def hamming_distance(one: str, other: str) -> int:
    """How many bits two hex hashes differ in."""
    return (int(one, _HEX) ^ int(other, _HEX)).bit_count()


def similarity_bp(distance: int, *, bits: int) -> int:
    """The share of the hash's bits two images agree on, in basis points (rounded down)."""
    return (bits - distance) * BP // bits


def distance_of(similarity: int, *, bits: int) -> int:
    """The Hamming distance `similarity_bp` was computed from (exact: `bits` is less than 10000)."""
    return bits - -(-similarity * bits // BP)


def near_copy_dimension(duplicates: Duplicates, *, config: Mapping[str, Any]) -> Dimension:
    """The near-copy gate of an image: an earlier image within `max_distance_bits` of its hash fails it."""
    limit, bits = int(config["image_near_duplicate"]["max_distance_bits"]), hash_bits(config)
    compared: dict[str, Any] = {"max_distance_bits": limit, "hash_bits": bits, "contribution": duplicates.near_of}
    if duplicates.near_of is None or duplicates.near_similarity_bp is None:
        explanation = f"No earlier image has a perceptual hash within {limit} of {bits} bits of this one's."
        return Dimension(0, BP, compared, "no_near_copy", explanation)
    distance = distance_of(duplicates.near_similarity_bp, bits=bits)
    explanation = (
        f"Its perceptual hash differs in only {distance} of {bits} bits from that of contribution "
        f"{duplicates.near_of}, anchored earlier (a near copy differs in {limit} or fewer)."
    )
    return Dimension(duplicates.near_similarity_bp, 0, compared, "near_copy", explanation, gate=True)
