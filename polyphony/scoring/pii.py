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
    """Finds candidates with `pattern` (skipped unless `hint` is in the text) and counts the valid ones.

    Patterns start with a character class, not a look-behind, so the regex engine skips ahead in C; a candidate
    glued to a preceding character in `glue` (a longer token it is part of) is dropped afterwards.
    """

    kind: ClassVar[str]
    pattern: ClassVar[re.Pattern[str]]
    hint: ClassVar[str] = ""
    glue: ClassVar[str] = ""
    claims_invalid: ClassVar[bool] = False  # an invalid candidate's digits are no other kind's item either

    def find(self, text: str) -> list[tuple[int, int]]:
        """The spans of this kind's valid items (of all its candidates if it `claims_invalid`)."""
        if self.hint and self.hint not in text:
            return []
        spans = []
        for match in self.pattern.finditer(text):
            start = match.start()
            if start and (text[start - 1] in self.glue or (self.glue and text[start - 1].isalnum())):
                continue
            if self.valid(match.group()) or self.claims_invalid:
                spans.append(match.span())
        return spans

    def count(self, text: str) -> int:
        """How many valid items of this kind the text holds."""
        return sum(1 for start, end in self.find(text) if self.valid(text[start:end]))

    def valid(self, candidate: str) -> bool:
        return True


class Email(Detector):
    """An email address: a local part, @, a dotted domain ending in a letter top-level domain (RFC 5321 lengths)."""

    kind = "email"
    hint = "@"
    pattern = re.compile(r"@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b")  # from the @, found by a byte search
    _local = re.compile(r"[A-Za-z0-9._%+-]{1,64}$")

    def find(self, text: str) -> list[tuple[int, int]]:
        if "@" not in text:
            return []
        spans = []
        for match in self.pattern.finditer(text):
            local = self._local.search(text, max(0, match.start() - 64), match.start())
            if local is not None and self.valid(local.group() + match.group()):
                spans.append((local.start(), match.end()))
        return spans

    def valid(self, candidate: str) -> bool:
        local, domain = candidate.rsplit("@", 1)
        return not local.startswith(".") and not local.endswith(".") and ".." not in local and len(domain) <= 253


class Phone(Detector):
    """A phone number: optional +country code, then 3-5 groups of digits split by spaces, dots, dashes or brackets.

    Matching starts at a digit (fast to scan for); a "+" or "(" just before it joins the candidate.
    """

    kind = "phone"
    pattern = re.compile(r"\d{1,4}\)?(?:[ .-]\(?\d{2,4}\)?){2,4}(?![\w.-])")

    def find(self, text: str) -> list[tuple[int, int]]:
        spans = []
        for match in self.pattern.finditer(text):
            start = match.start()
            before = text[start - 1] if start else " "
            if before.isalnum() or before in "_.-":
                continue
            prefix = before if before in "+(" else ""
            if self.valid(prefix + match.group()):
                spans.append((start - len(prefix), match.end()))
        return spans

    def valid(self, candidate: str) -> bool:
        digits = re.sub(r"\D", "", candidate)
        if not 9 <= len(digits) <= 15 or len(set(digits)) < 3 or candidate.count("(") != candidate.count(")"):
            return False
        # Dot-separated groups alone are an IPv4 address or a version, not a phone number.
        return candidate.startswith("+") or "(" in candidate or not re.fullmatch(r"[\d.]+", candidate)


class Iban(Detector):
    """An IBAN (ISO 13616): country letters, two check digits, up to 30 letters and digits; mod 97 equals 1."""

    kind = "iban"
    claims_invalid = True
    glue = "_"
    pattern = re.compile(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")

    def valid(self, candidate: str) -> bool:
        compact = candidate.replace(" ", "")
        if not 15 <= len(compact) <= 34:
            return False
        rearranged = compact[4:] + compact[:4]
        return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1

    def find(self, text: str) -> list[tuple[int, int]]:
        # Two capitals then two digits start every IBAN; looking for that alone costs less than the full pattern's
        # scan, and most texts hold none. Scanning for the capitals measured faster than for the digits with a
        # look-behind, on prose and on man pages alike.
        return super().find(text) if _IBAN_START.search(text) else []


class Card(Detector):
    """A payment card number: 13-19 digits, optionally grouped by spaces or dashes, passing the Luhn check."""

    kind = "card"
    claims_invalid = True
    glue = "-"
    pattern = re.compile(r"\d(?:[ -]?\d){12,18}(?![\d-])")

    def valid(self, candidate: str) -> bool:
        digits = [int(char) for char in candidate if char.isdigit()]
        return len(set(digits)) > 1 and luhn_valid(digits)


class Ipv4(Detector):
    """An IPv4 address: four dot-separated octets of 0-255, none with a leading zero."""

    kind = "ip"
    hint = "."
    glue = "_."
    pattern = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")

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
    glue = "_"
    pattern = re.compile(r"(?:0x[0-9a-fA-F]{64}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36})\b")


# In this order: what one detector claims is blanked before the next looks, so an IBAN's digits are no phone number.
TEXT_DETECTORS: tuple[Detector, ...] = (PrivateKey(), Secret(), Email(), Iban())
# These look only inside runs of digits and separators with at least 4 digits, found by one fast scan.
NUMBER_DETECTORS: tuple[Detector, ...] = (Card(), Ipv4(), Phone())
DETECTORS = TEXT_DETECTORS + NUMBER_DETECTORS
_IBAN_START = re.compile(r"[A-Z][A-Z]\d\d")
_NUMBER_RUN = re.compile(r"\d[\d .()/-]*\d\)?")
# A run can hold an item only with 4 digits and 3 dots (an IPv4 address) or 9 digits (a phone number; a card
# needs 13): other runs, most version numbers and dates, are skipped without running the detectors.
_MIN_DOTTED_DIGITS = 4
_MIN_PLAIN_DIGITS = 9
_SEPARATORS = str.maketrans("", "", " .()/-")


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
    counts = {}
    for detector in TEXT_DETECTORS:
        spans = detector.find(text)
        counts[detector.kind] = sum(1 for start, end in spans if detector.valid(text[start:end]))
        if spans:
            text = _blank(text, spans)
    counts |= dict.fromkeys((detector.kind for detector in NUMBER_DETECTORS), 0)
    for run in _NUMBER_RUN.finditer(text):
        digits = len(run.group().translate(_SEPARATORS))
        if digits < _MIN_PLAIN_DIGITS and (digits < _MIN_DOTTED_DIGITS or run.group().count(".") < 3):
            continue
        # One character either side: the detectors' boundary checks look at them.
        region = text[max(0, run.start() - 1) : run.end() + 1]
        for detector in NUMBER_DETECTORS:
            spans = detector.find(region)
            counts[detector.kind] += sum(1 for start, end in spans if detector.valid(region[start:end]))
            if spans:
                region = _blank(region, spans)
    return dict(sorted(counts.items()))


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with each span replaced by as many spaces."""
    pieces, last = [], 0
    for start, end in spans:
        pieces += [text[last:start], " " * (end - start)]
        last = end
    return "".join([*pieces, text[last:]])
