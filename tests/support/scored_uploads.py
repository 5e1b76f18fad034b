"""Text uploads that mix real prose with junk, and the score the real scoring pipeline (the current policy, run
in this process as a scoring worker runs it) gives them: what reward and dataset tests store as a score row."""

import json
import random
from pathlib import Path
from typing import Any

from polyphony.models.score import Verdict
from polyphony.scoring import Duplicates, analyse, current_policy, finalise
from polyphony.scoring.results import report_bytes

LICENSES = Path("/usr/share/common-licenses")
# Junk a document gate drops: a line of one word repeated.
JUNK = "spam " * 40


def prose(count: int, *, start: int = 0) -> list[str]:
    """`count` long paragraphs of real prose nobody here wrote (the GPL-3 shipped with the system), one line each."""
    text = (LICENSES / "GPL-3").read_text()
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if len(p.split()) > 40]
    return paragraphs[start : start + count]


def jsonl(texts: list[str]) -> bytes:
    """A JSONL upload of `texts`, each record tagged so that no other test uploads the same bytes."""
    tag = random.getrandbits(64)
    return "".join(json.dumps({"text": text, "tag": f"{tag}-{i}"}) + "\n" for i, text in enumerate(texts)).encode()


def pipeline_score(content: bytes, *, content_format: str = "jsonl", modality: str = "text") -> dict[str, Any]:
    """The score row's fields for `content` under the current policy, as the scoring pipeline finalises them."""
    policy, _ = current_policy()
    analysis = analyse(content, content_format=content_format, modality=modality, policy=policy)
    report = finalise(analysis, duplicates=Duplicates(), policy=policy)
    return {
        "policy_hash": report.policy_hash, "verdict": Verdict(report.verdict), "score": report.score,
        "language": report.language, "summary": report.summary, "report": report_bytes(report).decode(),
        "dimensions": json.loads(report_bytes(report))["dimensions"],
    }  # fmt: skip
