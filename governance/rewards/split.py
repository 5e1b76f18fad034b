"""The exact proportional split every reward share is paid by: floors, then one unit per largest remainder."""

from collections.abc import Sequence
from typing import Any


def largest_remainder(total: int, weights: Sequence[tuple[Any, int]]) -> dict[Any, int]:
    """`total` split in proportion to the weights, exactly: floors, then one unit per largest remainder.

    Keys must sort (the tie-break); with no weight at all, nobody gets anything.
    """
    weight_sum = sum(weight for _, weight in weights)
    if weight_sum == 0 or total == 0:
        return {key: 0 for key, _ in weights}
    shares = {key: divmod(total * weight, weight_sum) for key, weight in weights}
    left = total - sum(floor for floor, _ in shares.values())
    # Same denominator, so the integer remainders compare as the fractions do.
    lucky = sorted(shares, key=lambda key: (-shares[key][1], _tie_key(key)))[:left]
    amounts = {key: floor for key, (floor, _) in shares.items()}
    for key in lucky:
        amounts[key] += 1
    return amounts


def _tie_key(key: Any) -> Any:
    """Addresses compare as lower-case hex, whatever their checksum capitals; ids as numbers."""
    return key.lower() if isinstance(key, str) else key
