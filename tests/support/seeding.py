"""What tests and benchmarks seed a stack with: score rows as the pipeline writes them, files nobody else
uploads, and round numbers nobody else uses."""

import random
from typing import Any

from sqlmodel import Session

from polyphony.models.score import ContributionScore, Verdict


def make_score(session: Session, contribution_id: int, **overrides: Any) -> ContributionScore:
    """A score row as the scoring pipeline would write it (a pass of 8000 in English unless overridden)."""
    values: dict[str, Any] = {
        "contribution_id": contribution_id, "policy_hash": "0x" + "ab" * 32, "verdict": Verdict.PASS,
        "score": 8000, "language": "en", "dimensions": {"validity": {"value": 1}},
    }  # fmt: skip
    score = ContributionScore(**{**values, **overrides})
    session.add(score)
    session.flush()
    return score


def unique_lines(count: int, *, lines: int = 3) -> list[bytes]:
    """`count` JSONL files no other test uploads."""
    tag = random.getrandbits(64)
    return [
        b"".join(b'{"text": "file %d line %d of %d"}\n' % (number, line, tag) for line in range(lines))
        for number in range(count)
    ]


def new_round() -> int:
    """A round number no other test or run has used."""
    return random.randint(10**6, 10**12)
