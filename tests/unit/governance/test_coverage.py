"""The coverage's slicing: per bucket and value, bounded to the largest values, the rest summed as `other`."""

from dataclasses import replace

from governance.coverage import OTHER, TOP_VALUES, UNPAID, sliced, top_values
from governance.datasets.service import Member

MEMBER = Member(
    contribution_id=1, cid="bafy", sha256="00" * 32, size=100, format="jsonl", modality="text", language="en",
    license="CC-BY-4.0", contributor="0x" + "11" * 20, score=8000, policy_hash="0x" + "22" * 32,
    batch_root="0x" + "33" * 32, batch_tx=None, batch_manifest_cid=None, chain_id=31337,
    documents=4, kept_documents="0-1,3",
)  # fmt: skip


def test_values_past_the_largest_are_summed_as_other() -> None:
    members = [replace(MEMBER, contribution_id=i, language=f"l{i:02d}", size=1000 - i) for i in range(TOP_VALUES + 3)]
    top = top_values(members, "language")
    slices = sliced(members, "language", top, bucket_of=lambda _: "all")
    assert len(slices) == TOP_VALUES + 1 and len(top) == TOP_VALUES
    other = next(s for s in slices if s.value == OTHER)
    assert (other.amounts.contributions, other.amounts.bytes) == (
        3,
        sum(1000 - i for i in range(TOP_VALUES, TOP_VALUES + 3)),
    )
    assert other.amounts.documents == 3 * 3  # three kept documents each ("0-1,3")


def test_slices_come_in_bucket_order_and_languages_read_as_the_formula_reads_them() -> None:
    members = [
        replace(MEMBER, contribution_id=1, language="EN", size=10),
        replace(MEMBER, contribution_id=2, language=None, size=20, kept_documents=None),
        replace(MEMBER, contribution_id=3, language="en", size=30),
    ]
    bucket = {1: "12", 2: UNPAID, 3: "2"}
    slices = sliced(members, "language", top_values(members, "language"), bucket_of=lambda m: bucket[m.contribution_id])
    assert [(s.bucket, s.value, s.amounts.bytes, s.amounts.documents) for s in slices] == [
        ("2", "en", 30, 3),
        ("12", "en", 10, 3),
        (UNPAID, "und", 20, 1),
    ]
