"""PII detectors: valid items counted, look-alikes that fail their checksum or structure are not."""

import pytest

from polyphony.scoring.pii import luhn_valid, pii_counts


@pytest.mark.parametrize(
    ("text", "kind", "count"),
    [
        ("write to jane.roe@example.org today", "email", 1),
        ("not an address: user@localhost", "email", 0),
        ("a..b@example.org", "email", 0),
        ("call +44 20 7946 0958 now", "phone", 1),
        ("tel (555) 123-4567", "phone", 1),
        ("released 2006-01-02", "phone", 0),
        ("pay GB82 WEST 1234 5698 7654 32 now", "iban", 1),
        ("pay GB82 WEST 1234 5698 7654 33 now", "iban", 0),  # mod-97 fails
        ("pay GB82 WEST 1234 5698 7654 33 now", "phone", 0),  # and its digits are no phone number
        ("DE89370400440532013000", "iban", 1),
        ("ISO 9001 and RFC 2822 aside, pay DE89 3704 0044 0532 0130 00", "iban", 1),
        ("A1 B2 AB1 2AB AB-12 ab12", "iban", 0),
        ("card 4111 1111 1111 1111 expires", "card", 1),
        ("card 4111 1111 1111 1112 expires", "card", 0),  # Luhn fails
        ("card 0000 0000 0000 0000 expires", "card", 0),  # one repeated digit
        ("host 192.168.1.10 answers", "ip", 1),
        ("host 256.1.1.1 answers", "ip", 0),
        ("host 01.2.3.4 answers", "ip", 0),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAwJ8f3x9Yq+abcdefghijklmnop\n-----END RSA", "private_key", 1),
        ("-----BEGIN PUBLIC KEY-----\nMIIEowIBAAKCAQEAwJ8f3x9Yq+abcdefghijklmnop\n-----END", "private_key", 0),
        ("key=0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", "secret", 1),
        ("AKIAIOSFODNN7EXAMPLE", "secret", 1),
        ("sha 4c0883a69102937d6231471b5dbb6204", "secret", 0),
    ],
)
def test_pii_detector_counts_only_valid_items(text, kind, count):
    assert pii_counts(text)[kind] == count


def test_luhn_check_matches_the_standard_example():
    assert luhn_valid([int(d) for d in "79927398713"])
    assert not luhn_valid([int(d) for d in "79927398710"])


def test_counts_list_every_kind_in_sorted_order():
    assert list(pii_counts("nothing here")) == sorted(pii_counts("nothing here"))
