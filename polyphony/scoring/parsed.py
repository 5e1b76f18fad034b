"""What a parse of an upload gives the scorer: its units as text, the whole text, and the validity dimension."""

from dataclasses import dataclass

from polyphony.scoring.results import Dimension


@dataclass(frozen=True)
class Parsed:
    """What a parse learned: the units as text, the whole text, and the validity dimension."""

    validity: Dimension
    units: tuple[str, ...] = ()
    text: str = ""
    records: int = 0
    width: int = 0
    height: int = 0
    # Each document's text (None: the record has no text in its text field); read for policies after v1 only.
    documents: tuple[str | None, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.validity.gate


def invalid(reason: str, explanation: str) -> Parsed:
    """A parse that failed: the validity gate, with a stable reason and what a person should know."""
    return Parsed(
        Dimension(value=0, score=0, compared_with="parses", reason=reason, explanation=explanation, gate=True)
    )
