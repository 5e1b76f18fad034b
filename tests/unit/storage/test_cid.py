"""CIDs: every spelling other nodes answer with reads back as the one base32 CIDv1 Polyphony stores."""

import pytest

from polyphony.storage.cid import DAG_PB, RAW, Cid, encode_base58, normalize_cid, parse_cid
from polyphony.storage.errors import InvalidCid

# Pairs answered by js-ipfs for the same blocks, with and without `cid-base=base32`.
SAME_CIDS = [
    (
        "zdj7WcXCo6zoDrT9NZZrYtT4ecXbGPXUX9881jvP4HDZ8UJ6y",
        "bafybeidjlw7kw5e4wgywyfuyam2v4iilgklru5vbazwyn7ylzv6pz6bimy",
    ),
    (
        "zb2rhn1JH3Hk5SnCo5HVN7RvN7JSLWff9NVmfNCHecZXUTNfG",
        "bafkreiheig5aq2nyjzu62hhi45cvogx6t6x7j2kum6d5wobilzeblr56t4",
    ),
    # Kubo's empty folder, the best-known CIDv0 and its CIDv1.
    ("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn", "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354"),
]


@pytest.mark.parametrize(("spelled", "base32"), SAME_CIDS)
def test_base58_and_cidv0_spellings_normalise_to_base32_cidv1(spelled: str, base32: str) -> None:
    assert normalize_cid(spelled) == base32


@pytest.mark.parametrize("base32", [pair[1] for pair in SAME_CIDS])
def test_base32_cid_reads_back_to_itself_in_either_case(base32: str) -> None:
    assert normalize_cid(base32) == base32
    assert normalize_cid("B" + base32[1:].upper()) == base32


def test_codec_and_digest_are_read_from_the_cid() -> None:
    raw = parse_cid("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")
    assert raw.codec == RAW
    assert raw.digest.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # sha256(b"")
    assert parse_cid("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn").codec == DAG_PB


def test_cid_of_a_block_is_its_sha256_under_the_codec() -> None:
    assert str(Cid.of_block(b"", codec=RAW)) == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"


@pytest.mark.parametrize(
    ("raw", "spelled"),
    [
        (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
        (bytes.fromhex("0000287fb4cd"), "11233QC4"),  # leading zero bytes spell as leading "1"s
    ],
)
def test_base58btc_matches_the_bitcoin_alphabet(raw: bytes, spelled: str) -> None:
    assert encode_base58(raw) == spelled


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk",  # one character short
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku1",  # not base32
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykuaa",  # trailing bytes
        "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3N0",  # 0 is not base58
        "bafyreigbtj4x7ip5legnfznufuopl4sg4knzc2cof6duas4b3q2fy6swua",  # dag-cbor: not a file block
        "bafkr4ihkr4ld3m4gqkjf4reryxsy2s5tkbxprqkow6fin2iiyvreuzzab4",  # blake3, not sha2-256
        "../../etc/passwd",
    ],
)
def test_anything_else_is_an_invalid_cid(text: str) -> None:
    with pytest.raises(InvalidCid):
        parse_cid(text)
