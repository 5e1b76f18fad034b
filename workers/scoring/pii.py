"""Personal data and secrets: one detector per kind, each counting only candidates that pass its validation.

Checksums and structure keep numbers that merely look like personal data out of the count: IBANs pass ISO 13616's
mod-97 check, card numbers the Luhn check (ISO/IEC 7812), IPv4 addresses have four octets of 0-255 without
leading zeros, phone numbers have 9-15 digits (E.164) written in groups, emails a dotted domain with a letter TLD.
Keys are PEM private-key blocks, 64-hex-digit secrets (an Ethereum private key's shape), AWS access key ids and
GitHub tokens. IPv6 addresses and postal addresses are not detected.
"""

import re
from typing import ClassVar


class Detector:
    """Finds candidates with `pattern` (skipped unless `hint` is in the text) and counts the valid ones."""

    kind: ClassVar[str]
    pattern: ClassVar[re.Pattern[str]]
    hint: ClassVar[str] = ""

    def count(self, text: str) -> int:
        """How many valid items of this kind the text holds."""
        if self.hint and self.hint not in text:
            return 0
        return sum(1 for match in self.pattern.finditer(text) if self.valid(match.group()))

    def valid(self, candidate: str) -> bool:
        return True


class Email(Detector):
    """An email address: a local part, @, a dotted domain ending in a letter top-level domain (RFC 5321 lengths)."""

    kind = "email"
    hint = "@"
    pattern = re.compile(r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b")

    def valid(self, candidate: str) -> bool:
        local, domain = candidate.rsplit("@", 1)
        return not local.startswith(".") and not local.endswith(".") and ".." not in local and len(domain) <= 253


class Phone(Detector):
    """A phone number: optional +country code, then 2-4 digit groups split by spaces, dots, dashes or brackets."""

    kind = "phone"
    pattern = re.compile(
        r"(?<![\w.+-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){2,4}(?![\w.-])"
    )

    def valid(self, candidate: str) -> bool:
        digits = re.sub(r"\D", "", candidate)
        if not 9 <= len(digits) <= 15 or len(set(digits)) < 3:
            return False
        # Four dot-separated groups are an IPv4 address or a version, not a phone number.
        return candidate.startswith("+") or "(" in candidate or not re.fullmatch(r"[\d.]+", candidate)


class Iban(Detector):
    """An IBAN (ISO 13616): country letters, two check digits, up to 30 letters and digits; mod 97 equals 1."""

    kind = "iban"
    pattern = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")

    def valid(self, candidate: str) -> bool:
        compact = candidate.replace(" ", "")
        if not 15 <= len(compact) <= 34:
            return False
        rearranged = compact[4:] + compact[:4]
        return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


class Card(Detector):
    """A payment card number: 13-19 digits, optionally grouped by spaces or dashes, passing the Luhn check."""

    kind = "card"
    pattern = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")

    def valid(self, candidate: str) -> bool:
        digits = [int(char) for char in candidate if char.isdigit()]
        return len(set(digits)) > 1 and luhn_valid(digits)


class Ipv4(Detector):
    """An IPv4 address: four dot-separated octets of 0-255, none with a leading zero."""

    kind = "ip"
    hint = "."
    pattern = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")

    def valid(self, candidate: str) -> bool:
        return all(int(octet) <= 255 and (octet == "0" or not octet.startswith("0")) for octet in candidate.split("."))


class PrivateKey(Detector):
    """A PEM private-key block (RFC 7468) with its base64 body."""

    kind = "private_key"
    hint = "PRIVATE KEY-----"
    pattern = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----\s+[A-Za-z0-9+/=\s]{32,}?-----END")


class Secret(Detector):
    """A secret token: 64 hex digits (an Ethereum private key's shape), an AWS access key id, a GitHub token."""

    kind = "secret"
    pattern = re.compile(r"\b(?:0x[0-9a-fA-F]{64}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36})\b")


DETECTORS: tuple[Detector, ...] = (Email(), Phone(), Iban(), Card(), Ipv4(), PrivateKey(), Secret())


def luhn_valid(digits: list[int]) -> bool:
    """The Luhn check (ISO/IEC 7812-1): doubling every second digit from the right, the sum is a multiple of 10."""
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def pii_counts(text: str) -> dict[str, int]:
    """The count of valid items of each kind, by kind."""
    return {detector.kind: detector.count(text) for detector in DETECTORS}
