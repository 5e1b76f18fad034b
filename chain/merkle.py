"""Merkle trees byte-compatible with `@openzeppelin/merkle-tree`'s StandardMerkleTree and its "standard-v1" dump.

A leaf is keccak256(keccak256(abi.encode(value))) for the tree's leaf encoding, leaves are sorted by hash,
nodes hash their sorted pair, and the tree is the package's flat array: root at 0, children of i at 2i+1
and 2i+2, leaves at the end in reverse sorted order. Solidity checks the proofs with OZ's MerkleProof.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from Crypto.Hash import keccak as keccak_hash
from eth_abi.abi import encode as abi_encode
from eth_abi.grammar import ABIType, BasicType, TupleType, parse

STANDARD_V1 = "standard-v1"
WORD = 32

Value = Sequence[Any]
Proof = Sequence[str | bytes]


def keccak(data: bytes) -> bytes:
    """keccak256 of `data`."""
    # pycryptodome (web3 requires it through eth-hash[pycryptodome]) called directly: eth_utils.keccak's
    # argument checks double the cost of a hash, and a million-leaf tree takes three million hashes.
    return keccak_hash.new(digest_bits=256, data=data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The parent of two nodes: keccak256 of the pair in ascending order."""
    return keccak(left + right if left <= right else right + left)


def to_hex(node: bytes) -> str:
    """A node as the package writes it: 0x and lower-case hex."""
    return "0x" + node.hex()


def from_hex(node: str | bytes) -> bytes:
    """A node from its 0x-hex form (or as bytes already)."""
    return node if isinstance(node, bytes) else bytes.fromhex(node.removeprefix("0x"))


def process_proof(leaf: bytes, proof: Proof) -> bytes:
    """The root that `proof` leads to from `leaf`."""
    node = leaf
    for sibling in proof:
        node = node_hash(node, from_hex(sibling))
    return node


def verify(root: str | bytes, *, leaf_encoding: Sequence[str], value: Value, proof: Proof) -> bool:
    """Whether `proof` shows `value` is a leaf of the tree with `root`."""
    leaf = LeafHasher(leaf_encoding)(value)
    return process_proof(leaf, proof) == from_hex(root)


def _integer(value: Any) -> int:
    # The npm package takes numbers as JS numbers, bigints or decimal / 0x strings; dumps hold strings.
    if isinstance(value, str):
        return int(value, 16) if value.lower().startswith("0x") else int(value, 10)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _hex_bytes(value: Any) -> bytes:
    return from_hex(value) if isinstance(value, str | bytes) else bytes(value)


def _coerce(abi_type: ABIType, value: Any) -> Any:
    """`value` in the form eth_abi encodes, from any form the npm package accepts."""
    if abi_type.is_array:
        return [_coerce(abi_type.item_type, item) for item in value]
    if isinstance(abi_type, TupleType):
        return tuple(_coerce(part, item) for part, item in zip(abi_type.components, value, strict=True))
    assert isinstance(abi_type, BasicType)
    if abi_type.base in ("uint", "int"):
        return _integer(value)
    if abi_type.base == "bytes":
        return _hex_bytes(value)
    if abi_type.base == "address":
        return "0x" + _hex_bytes(value).hex()
    return value


def _static_word(abi_type: ABIType) -> Callable[[Any], bytes] | None:
    """The encoder of a one-word type (address, uintN, intN, bool, bytesN), or None for other types."""
    if not isinstance(abi_type, BasicType) or abi_type.is_array:
        return None
    base, bits = abi_type.base, abi_type.sub
    if base == "address":
        return _address_word
    if base == "bool":
        return _bool_word
    if base == "uint" and isinstance(bits, int):
        return lambda value: _uint_word(value, bits)
    if base == "int" and isinstance(bits, int):
        return lambda value: _int_word(value, bits)
    if base == "bytes" and isinstance(bits, int):
        return lambda value: _bytes_word(value, bits)
    return None


def _address_word(value: Any) -> bytes:
    address = _hex_bytes(value)
    if len(address) != 20:
        raise ValueError(f"not an address: {value!r}")
    return bytes(12) + address


def _bool_word(value: Any) -> bytes:
    if not isinstance(value, bool):
        raise TypeError(f"expected a bool, got {value!r}")
    return int(value).to_bytes(WORD, "big")


def _uint_word(value: Any, bits: int) -> bytes:
    number = _integer(value)
    if not 0 <= number < 1 << bits:
        raise ValueError(f"{value!r} does not fit uint{bits}")
    return number.to_bytes(WORD, "big")


def _int_word(value: Any, bits: int) -> bytes:
    number = _integer(value)
    if not -(1 << (bits - 1)) <= number < 1 << (bits - 1):
        raise ValueError(f"{value!r} does not fit int{bits}")
    return number.to_bytes(WORD, "big", signed=True)


def _bytes_word(value: Any, size: int) -> bytes:
    raw = _hex_bytes(value)
    if len(raw) != size:
        raise ValueError(f"{value!r} is not {size} bytes")
    return raw.ljust(WORD, b"\0")


class LeafHasher:
    """The standard leaf hash for one leaf encoding; one-word types skip eth_abi, which is 5x slower."""

    def __init__(self, leaf_encoding: Sequence[str]) -> None:
        self.leaf_encoding = list(leaf_encoding)
        self.types = [parse(abi_type) for abi_type in self.leaf_encoding]
        words = [_static_word(abi_type) for abi_type in self.types]
        self.words = [word for word in words if word is not None] if None not in words else None

    def encode(self, value: Value) -> bytes:
        """abi.encode(value) for the leaf encoding."""
        if len(value) != len(self.types):
            raise ValueError(f"{value!r} does not match the leaf encoding {self.leaf_encoding}")
        if self.words is not None:
            return b"".join(word(item) for word, item in zip(self.words, value, strict=True))
        coerced = [_coerce(abi_type, item) for abi_type, item in zip(self.types, value, strict=True)]
        return abi_encode(self.leaf_encoding, coerced)

    def __call__(self, value: Value) -> bytes:
        """keccak256(keccak256(abi.encode(value)))."""
        return keccak(keccak(self.encode(value)))


def _json_value(item: Any) -> Any:
    """A leaf value as JSON holds it: integers as decimal strings (uint256 overflows JS numbers), bytes as 0x."""
    if isinstance(item, bool | str):
        return item
    if isinstance(item, int):
        return str(item)
    if isinstance(item, bytes):
        return to_hex(item)
    if isinstance(item, Sequence):
        return [_json_value(part) for part in item]
    return item


def _build(sorted_leaves: list[bytes]) -> list[bytes]:
    """The package's flat tree over leaves already sorted by hash."""
    count = len(sorted_leaves)
    tree = [b""] * (count - 1) + sorted_leaves[::-1]
    # node_hash inlined: the call overhead is a tenth of the time on a million-leaf tree.
    new = keccak_hash.new
    for index in range(count - 2, -1, -1):
        left, right = tree[2 * index + 1], tree[2 * index + 2]
        pair = left + right if left <= right else right + left
        tree[index] = new(digest_bits=256, data=pair).digest()
    return tree


def proof_from_leaves(leaves: Sequence[str], index: int) -> tuple[str, list[str]]:
    """The root, and the proof of leaf number `index`, in the standard tree over these leaf hashes.

    The same tree `StandardMerkleTree.of` builds from the values, for callers that kept only the hashes.
    """
    hashes = [from_hex(hashed) for hashed in leaves]
    order = sorted(range(len(hashes)), key=hashes.__getitem__)  # stable: equal leaves keep their order
    tree = _build([hashes[position] for position in order])
    tree_index = len(tree) - 1 - order.index(index)
    proof = []
    while tree_index > 0:
        proof.append(to_hex(tree[tree_index + 1 if tree_index % 2 else tree_index - 1]))
        tree_index = (tree_index - 1) // 2
    return to_hex(tree[0]), proof


def _is_valid_tree(tree: list[bytes]) -> bool:
    """Every node is 32 bytes and every inner node hashes its two children; leaves have no child."""
    for index, node in enumerate(tree):
        left, right = 2 * index + 1, 2 * index + 2
        if len(node) != WORD or (left < len(tree) <= right):
            return False
        if right < len(tree) and node != node_hash(tree[left], tree[right]):
            return False
    return bool(tree)


class StandardMerkleTree:
    """A Merkle tree over values of one leaf encoding, as `StandardMerkleTree` of the npm package builds it."""

    def __init__(
        self, *, tree: list[bytes], values: list[Value], tree_indices: list[int], leaf_encoding: Sequence[str]
    ):
        self.leaf_encoding = list(leaf_encoding)
        self.values = values
        self._tree = tree
        self._tree_indices = tree_indices
        self._hasher = LeafHasher(leaf_encoding)
        self._value_index_by_leaf: dict[bytes, int] | None = None

    @classmethod
    def of(cls, values: Sequence[Value], *, leaf_encoding: Sequence[str]) -> "StandardMerkleTree":
        """The tree of `values`; value i stays index i for `proof(i)`."""
        if not values:
            raise ValueError("a Merkle tree needs at least one leaf")
        hasher = LeafHasher(leaf_encoding)
        leaves = [hasher(value) for value in values]
        order = sorted(range(len(leaves)), key=leaves.__getitem__)
        tree = _build([leaves[index] for index in order])
        tree_indices = [0] * len(values)
        for position, value_index in enumerate(order):
            tree_indices[value_index] = len(tree) - 1 - position
        return cls(tree=tree, values=list(values), tree_indices=tree_indices, leaf_encoding=leaf_encoding)

    @classmethod
    def load(cls, dump: Mapping[str, Any]) -> "StandardMerkleTree":
        """The tree a "standard-v1" dump describes, checked node by node."""
        if dump.get("format") != STANDARD_V1:
            raise ValueError(f"unknown Merkle tree format {dump.get('format')!r}")
        if dump.get("leafEncoding") is None:
            raise ValueError("the Merkle tree dump has no leaf encoding")
        tree = cls(
            tree=[from_hex(node) for node in dump["tree"]],
            values=[entry["value"] for entry in dump["values"]],
            tree_indices=[int(entry["treeIndex"]) for entry in dump["values"]],
            leaf_encoding=dump["leafEncoding"],
        )
        tree._validate()
        return tree

    def _validate(self) -> None:
        if not _is_valid_tree(self._tree):
            raise ValueError("the Merkle tree is invalid")
        for value, tree_index in zip(self.values, self._tree_indices, strict=True):
            if not self._is_leaf(tree_index) or self._tree[tree_index] != self._hasher(value):
                raise ValueError(f"the Merkle tree does not hold {value!r} at {tree_index}")

    def _is_leaf(self, tree_index: int) -> bool:
        return 0 <= tree_index < len(self._tree) and 2 * tree_index + 1 >= len(self._tree)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def root(self) -> str:
        """The root, 0x-hex."""
        return to_hex(self._tree[0])

    def leaf_hash(self, leaf: int | Value) -> str:
        """The leaf hash of value number `leaf` (or of the value itself), 0x-hex."""
        if isinstance(leaf, int):
            return to_hex(self._tree[self._tree_indices[self._checked_index(leaf)]])
        return to_hex(self._hasher(leaf))

    def proof(self, leaf: int | Value) -> list[str]:
        """The sibling path from value number `leaf` (or from the value itself) up to the root, 0x-hex."""
        value_index = self._checked_index(leaf) if isinstance(leaf, int) else self._value_index(leaf)
        tree_index = self._tree_indices[value_index]
        proof = []
        while tree_index > 0:
            sibling = tree_index + 1 if tree_index % 2 else tree_index - 1
            proof.append(to_hex(self._tree[sibling]))
            tree_index = (tree_index - 1) // 2
        return proof

    def verify(self, leaf: int | Value, proof: Proof) -> bool:
        """Whether `proof` leads from value number `leaf` (or from the value itself) to this root."""
        return process_proof(from_hex(self.leaf_hash(leaf)), proof) == self._tree[0]

    def dump(self) -> dict[str, Any]:
        """The "standard-v1" object the npm package's `dump()` returns, ready for json.dumps."""
        return {
            "format": STANDARD_V1,
            "leafEncoding": self.leaf_encoding,
            "tree": [to_hex(node) for node in self._tree],
            "values": [
                {"value": _json_value(value), "treeIndex": tree_index}
                for value, tree_index in zip(self.values, self._tree_indices, strict=True)
            ],
        }

    def _checked_index(self, value_index: int) -> int:
        if not 0 <= value_index < len(self.values):
            raise IndexError(f"no value number {value_index} in a tree of {len(self.values)}")
        return value_index

    def _value_index(self, value: Value) -> int:
        if self._value_index_by_leaf is None:
            # Built on first use: a million-leaf tree that only serves proofs by index never needs it.
            self._value_index_by_leaf = {
                self._tree[tree_index]: value_index for value_index, tree_index in enumerate(self._tree_indices)
            }
        value_index = self._value_index_by_leaf.get(self._hasher(value))
        if value_index is None:
            raise ValueError(f"{value!r} is not a leaf of this tree")
        return value_index
