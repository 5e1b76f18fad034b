"""What the formula tests share: their accounts, the empty corpus, the pinned reports, and one input maker."""

from pathlib import Path
from typing import Any

from governance.rewards.formula import Corpus, RewardInput

ALICE = "0x" + "a1" * 20
BOB = "0x" + "b2" * 20
CAROL = "0x" + "c3" * 20
NO_CORPUS = Corpus.of([])
FIXTURES = Path(__file__).parents[2] / "fixtures" / "rewards"


def reward_input(cid: int, who: str, *, defaults: dict[str, Any], overrides: dict[str, Any]) -> RewardInput:
    """A passing English text input of `who`, with `defaults` and then `overrides` over it."""
    fields: dict[str, Any] = {
        "contribution_id": cid, "contributor": who, "verdict": "pass", "score": 5_000, "duplicate_of": None,
        "language": "en", "modality": "text", "policy_hash": "0x" + "00" * 32,
    }  # fmt: skip
    return RewardInput(**(fields | defaults | overrides))
