"""chain/merkle.py against @openzeppelin/merkle-tree run live by node, on random trees each run."""

import json
import os
import random
from typing import Any

import pytest

from chain.merkle import StandardMerkleTree
from tests.support.openzeppelin_merkle import REWARD_ENCODING, build_with_npm, random_address, reward_values

SEED = int.from_bytes(os.urandom(4), "big")
SIZES = (1, 2, 3, 7, 100)


def _contribution_values(rng: random.Random, count: int) -> list[list[str]]:
    return [
        ["0x" + rng.randbytes(32).hex(), f"bafkrei{rng.randbytes(26).hex()}", str(rng.randrange(2**64))]
        for _ in range(count)
    ]


def _cases() -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    cases = [{"leafEncoding": REWARD_ENCODING, "values": reward_values(rng, size)} for size in SIZES]
    cases.append({"leafEncoding": ["bytes32", "string", "uint64"], "values": _contribution_values(rng, 50)})
    twin = [random_address(rng), random_address(rng), "1"]
    cases.append({"leafEncoding": REWARD_ENCODING, "values": [twin, *reward_values(rng, 5), twin]})
    return cases


@pytest.fixture(scope="module")
def built() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    cases = _cases()
    return list(zip(cases, build_with_npm(cases), strict=True))


def test_random_trees_match_the_npm_package(built: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    for case, expected in built:
        tree = StandardMerkleTree.of(case["values"], leaf_encoding=case["leafEncoding"])
        where = f"seed {SEED}, {len(case['values'])} x {case['leafEncoding']}"
        assert tree.root == expected["root"], where
        assert [tree.leaf_hash(i) for i in range(len(tree))] == expected["leafHashes"], where
        assert [tree.proof(i) for i in range(len(tree))] == expected["proofs"], where
        assert json.dumps(tree.dump()) == json.dumps(expected["dump"]), where


def test_python_integers_build_the_npm_packages_reward_tree(
    built: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    case, expected = built[len(SIZES) - 1]
    native = [[account, token, int(amount)] for account, token, amount in case["values"]]
    tree = StandardMerkleTree.of(native, leaf_encoding=REWARD_ENCODING)
    assert tree.root == expected["root"], f"seed {SEED}"
    assert tree.dump() == expected["dump"], f"seed {SEED}"


def test_the_npm_packages_dumps_load_and_prove(built: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    for case, expected in built:
        tree = StandardMerkleTree.load(expected["dump"])
        assert all(tree.verify(value, proof) for value, proof in zip(case["values"], expected["proofs"], strict=True))
