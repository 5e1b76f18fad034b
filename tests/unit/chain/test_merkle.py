"""chain/merkle.py against fixed vectors written by @openzeppelin/merkle-tree (tests/support/openzeppelin_merkle.py)."""

import json
from pathlib import Path
from typing import Any

import pytest

from chain.merkle import StandardMerkleTree, proof_from_leaves, verify

VECTORS = json.loads((Path(__file__).parent / "fixtures" / "merkle_vectors.json").read_text(encoding="utf-8"))
CASES = VECTORS["cases"]


def _case_id(case: dict[str, Any]) -> str:
    return f"{','.join(case['leafEncoding'])}x{len(case['values'])}"


def _tree(case: dict[str, Any]) -> StandardMerkleTree:
    return StandardMerkleTree.of(case["values"], leaf_encoding=case["leafEncoding"])


def test_vectors_come_from_the_npm_package() -> None:
    assert VECTORS["generator"] == "@openzeppelin/merkle-tree@1.0.8"
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_root_and_leaf_hashes_match_the_npm_package(case: dict[str, Any]) -> None:
    tree = _tree(case)
    assert tree.root == case["root"]
    assert [tree.leaf_hash(index) for index in range(len(tree))] == case["leafHashes"]
    assert [tree.leaf_hash(value) for value in case["values"]] == case["leafHashes"]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_every_proof_matches_the_npm_package(case: dict[str, Any]) -> None:
    tree = _tree(case)
    assert [tree.proof(index) for index in range(len(tree))] == case["proofs"]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_proofs_from_stored_leaf_hashes_match_the_npm_package(case: dict[str, Any]) -> None:
    for index, expected in enumerate(case["proofs"]):
        assert proof_from_leaves(case["leafHashes"], index) == (case["root"], expected)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_dump_is_the_npm_packages_json_byte_for_byte(case: dict[str, Any]) -> None:
    assert json.dumps(_tree(case).dump(), ensure_ascii=False) == json.dumps(case["dump"], ensure_ascii=False)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_loading_the_npm_packages_dump_gives_the_same_tree(case: dict[str, Any]) -> None:
    tree = StandardMerkleTree.load(case["dump"])
    assert tree.root == case["root"]
    assert [tree.proof(index) for index in range(len(tree))] == case["proofs"]
    assert tree.dump() == case["dump"]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_every_proof_verifies_and_a_wrong_value_does_not(case: dict[str, Any]) -> None:
    tree = _tree(case)
    for value, proof in zip(case["values"], case["proofs"], strict=True):
        assert tree.verify(value, proof)
        assert verify(case["root"], leaf_encoding=case["leafEncoding"], value=value, proof=proof)
    assert not tree.verify(case["values"][0], [case["root"], *case["proofs"][0]])


def test_python_integers_and_bytes_give_the_same_tree_as_json_strings() -> None:
    case = CASES[-2]
    native = [[bytes.fromhex(digest[2:]), cid, int(size)] for digest, cid, size in case["values"]]
    tree = StandardMerkleTree.of(native, leaf_encoding=case["leafEncoding"])
    assert tree.root == case["root"]
    assert tree.dump() == case["dump"]


def test_a_proof_can_be_asked_by_value() -> None:
    case = CASES[7]
    tree = _tree(case)
    assert [tree.proof(value) for value in case["values"]] == case["proofs"]


def test_a_duplicate_value_is_proven_at_each_of_its_places() -> None:
    case = next(case for case in CASES if case["leafEncoding"] == ["address", "uint256"])
    assert case["values"][0] == case["values"][2]
    tree = _tree(case)
    assert tree.proof(0) == case["proofs"][0]
    assert tree.proof(2) == case["proofs"][2]


def test_checksummed_and_lower_case_addresses_hash_alike() -> None:
    lower = ["0x52908400098527886e0f7030069857d2e4169ee7", "0x" + "11" * 20, 1]
    mixed = ["0x52908400098527886E0F7030069857D2E4169EE7", "0x" + "11" * 20, 1]
    encoding = ["address", "address", "uint256"]
    assert StandardMerkleTree.of([lower], leaf_encoding=encoding).root == (
        StandardMerkleTree.of([mixed], leaf_encoding=encoding).root
    )


def test_a_tampered_dump_is_refused() -> None:
    dump = json.loads(json.dumps(CASES[4]["dump"]))
    dump["tree"][1] = "0x" + "00" * 32
    with pytest.raises(ValueError, match="invalid"):
        StandardMerkleTree.load(dump)


def test_a_dump_whose_value_moved_is_refused() -> None:
    dump = json.loads(json.dumps(CASES[4]["dump"]))
    dump["values"][0]["value"][2] = "1"
    with pytest.raises(ValueError, match="does not hold"):
        StandardMerkleTree.load(dump)


def test_an_unknown_dump_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        StandardMerkleTree.load({**CASES[0]["dump"], "format": "simple-v1"})


@pytest.mark.parametrize(
    ("encoding", "value"),
    [
        (["uint8"], [256]),
        (["uint256"], [-1]),
        (["int8"], [128]),
        (["address"], ["0x1234"]),
        (["bytes4"], ["0x1234"]),
        (["bool"], [1]),
        (["uint256", "uint256"], [1]),
    ],
)
def test_a_value_outside_its_type_is_refused(encoding: list[str], value: list[Any]) -> None:
    with pytest.raises((ValueError, TypeError)):
        StandardMerkleTree.of([value], leaf_encoding=encoding)


def test_an_empty_tree_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one leaf"):
        StandardMerkleTree.of([], leaf_encoding=["uint256"])


def test_asking_outside_the_tree_is_refused() -> None:
    tree = _tree(CASES[2])
    with pytest.raises(IndexError):
        tree.proof(len(tree))
    with pytest.raises(IndexError):
        tree.proof(-1)
    with pytest.raises(ValueError, match="not a leaf"):
        tree.proof(CASES[3]["values"][0])
