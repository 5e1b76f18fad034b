"""A score's drop reasons: the most frequent first, ties by reason, each with its first dropped documents."""

from polyphony.scores.documents import DocumentFates, DropReason, drop_reasons


def test_reasons_rank_by_how_many_documents_they_dropped() -> None:
    fates = DocumentFates(count=20, dropped={
        "gopher_repetition": [9, 3], "lorem_ipsum": [1, 2, 4, 5, 6, 7, 8], "c4_lines": [10, 11], "unused": [],
    })  # fmt: skip
    assert drop_reasons(fates, shown=3) == [
        DropReason("lorem_ipsum", 7, [1, 2, 4]),
        DropReason("c4_lines", 2, [10, 11]),
        DropReason("gopher_repetition", 2, [3, 9]),
    ]


def test_nothing_dropped_is_no_reason() -> None:
    assert drop_reasons(DocumentFates(count=3, dropped={})) == []
