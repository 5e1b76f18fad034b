"""Trees built by the npm package @openzeppelin/merkle-tree, to hold chain/merkle.py to.

`python -m tests.support.openzeppelin_merkle` rewrites the fixed vectors of the unit tests; the integration
tests call `build_with_npm` on random inputs.
"""

import json
import random
import subprocess
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[2]
HELPER = Path(__file__).with_name("merkle_tree.cjs")
VECTORS = REPO_DIR / "tests" / "unit" / "chain" / "fixtures" / "merkle_vectors.json"
PACKAGE = REPO_DIR / "node_modules" / "@openzeppelin" / "merkle-tree" / "package.json"

REWARD_ENCODING = ["address", "address", "uint256"]


def build_with_npm(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each {"leafEncoding", "values"}: the package's root, leaf hashes, proof of every value and dump."""
    completed = subprocess.run(
        ["node", str(HELPER)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        cwd=REPO_DIR,
        check=True,
    )
    built: list[dict[str, Any]] = json.loads(completed.stdout)
    return built


def random_address(rng: random.Random) -> str:
    """A random address in lower-case hex."""
    return "0x" + rng.randbytes(20).hex()


def reward_values(rng: random.Random, count: int) -> list[list[str]]:
    """`count` (account, token, cumulative amount) leaves as a JSON client writes them."""
    token = random_address(rng)
    return [[random_address(rng), token, str(rng.randrange(1, 10**24))] for _ in range(count)]


def vector_cases() -> list[dict[str, Any]]:
    """The fixed inputs: reward leaves of many sizes, a duplicate, contribution-like and exotic encodings."""
    rng = random.Random(4)
    cases = [{"leafEncoding": REWARD_ENCODING, "values": reward_values(rng, n)} for n in (1, 2, 3, 4, 5, 7, 8, 13, 32)]
    twin = [random_address(rng), "5"]
    cases.append({"leafEncoding": ["address", "uint256"], "values": [twin, [random_address(rng), "0x10"], twin]})
    contributions = [["0x" + rng.randbytes(32).hex(), f"bafkrei{index:052d}", str(index * 1000)] for index in range(6)]
    cases.append({"leafEncoding": ["bytes32", "string", "uint64"], "values": contributions})
    exotic = [
        ["-5", True, "0x", "", [], "0x00000001", [random_address(rng), "0"]],
        [
            str(2**255 - 1),
            False,
            "0xdeadbeef",
            "héllo ✓",
            ["1", "0x10", str(2**256 - 1)],
            "0xffffffff",
            [random_address(rng), "7"],
        ],
        [
            str(-(2**255)),
            True,
            "0x" + "ab" * 40,
            "a longer string, past one word of thirty-two bytes",
            ["0"],
            "0x12345678",
            [random_address(rng), "8"],
        ],
    ]
    exotic_encoding = ["int256", "bool", "bytes", "string", "uint256[]", "bytes4", "(address,uint96)"]
    cases.append({"leafEncoding": exotic_encoding, "values": exotic})
    return cases


def write_vectors() -> None:
    """Build the fixed cases with the npm package and store inputs and outputs as the unit-test fixture."""
    cases = vector_cases()
    package = json.loads(PACKAGE.read_text(encoding="utf-8"))
    vectors = {
        "generator": f"{package['name']}@{package['version']}",
        "cases": [case | built for case, built in zip(cases, build_with_npm(cases), strict=True)],
    }
    VECTORS.parent.mkdir(parents=True, exist_ok=True)
    VECTORS.write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_vectors()
