"""Near copies of images, decided against every scoring worker's shared store of perceptual hashes, in Redis.

Per scoring policy (under the prefix of that policy's duplicate index), one Redis hash maps each image
contribution's id to its anchoring position and perceptual hash. An image is compared only with the images whose
position is lower than its own, whoever stored them and whenever, so every worker decides alike. Its hash is
stored before its index entry (`ScoringIndex.add`), which is what later contributions wait for: once a
contribution counts as indexed, its image hash is there too.

The decision reads every earlier image's record (16 bytes for a 64-bit hash) and compares them in the worker: a Hamming
distance has no exact key to look up by. That is about 16 MB per decision at a million images; past that, split
the hash into `max_distance_bits + 1` parts (two hashes that close share one part exactly) and index by part.
"""

import struct

from redis import Redis

from polyphony.scoring import Analysis, Duplicates, Policy
from polyphony.scoring.images import hamming_distance, hash_bits, similarity_bp

_POSITION = struct.Struct("<Q")  # a record: the anchoring position, little-endian, then the hash's bytes


class ImageCopies:
    """The perceptual hashes of one scoring policy's image contributions."""

    def __init__(self, redis: Redis, *, policy_hash: str) -> None:
        self.redis = redis
        self.key = f"polyphony:scoring:{policy_hash}:image_hashes"

    def add(self, analysis: Analysis, *, contribution_id: int, position: int) -> None:
        """Store the image's hash (nothing for an upload without one); storing it again changes nothing."""
        if analysis.image_hash is not None:
            record = _POSITION.pack(position) + bytes.fromhex(analysis.image_hash)
            self.redis.hset(self.key, str(contribution_id), record)

    def earlier(self, *, before: int) -> list[tuple[int, int, str]]:
        """(position, contribution id, hash) of every stored image before position `before`, in anchoring order."""
        found = []
        for member, raw in self.redis.hgetall(self.key).items():
            # The client is made without decode_responses, so Redis answers bytes; the typing allows either.
            record = raw if isinstance(raw, bytes) else raw.encode("latin-1")
            (position,) = _POSITION.unpack_from(record)
            if position < before:
                found.append((position, int(member), record[_POSITION.size :].hex()))
        return sorted(found)


def decide_image_copy(
    copies: ImageCopies, analysis: Analysis, duplicates: Duplicates, *, position: int, policy: Policy
) -> Duplicates:
    """`duplicates` with the closest earlier image within the policy's distance as the near copy (the earliest
    among equally close ones); unchanged for an upload with no image hash or no image that close."""
    if analysis.image_hash is None:
        return duplicates
    limit, bits = int(policy.config["image_near_duplicate"]["max_distance_bits"]), hash_bits(policy.config)
    best: tuple[int, int] | None = None  # (distance, contribution id); candidates come in anchoring order
    for _, contribution_id, image_hash in copies.earlier(before=position):
        distance = hamming_distance(analysis.image_hash, image_hash)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, contribution_id)
    if best is None:
        return duplicates
    return Duplicates(duplicates.exact_of, near_of=best[1], near_similarity_bp=similarity_bp(best[0], bits=bits))
