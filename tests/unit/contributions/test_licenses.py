"""The license a contributor grants: one SPDX license id, in its canonical spelling."""

import pytest

from polyphony.contributions.errors import UnknownLicense
from polyphony.contributions.licenses import check_license


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("MIT", "MIT"),
        ("mit", "MIT"),
        ("cc-by-4.0", "CC-BY-4.0"),
        ("CC0-1.0", "CC0-1.0"),
        ("apache-2.0", "Apache-2.0"),
        ("  CC-BY-SA-4.0 ", "CC-BY-SA-4.0"),
        ("gpl-3.0-or-later", "GPL-3.0-or-later"),
        ("odbl-1.0", "ODbL-1.0"),
        ("CDLA-PERMISSIVE-2.0", "CDLA-Permissive-2.0"),
    ],
)
def test_spdx_ids_match_without_regard_to_case(given: str, canonical: str) -> None:
    assert check_license(given) == canonical


@pytest.mark.parametrize(
    ("given", "suggested"),
    [
        ("CC BY 4.0", "CC-BY-4.0"),
        ("apache2", "Apache-2.0"),
        ("GPL-2.0", "GPL-2.0-only"),  # deprecated in the SPDX list: its replacement is offered
        ("MIT OR Apache-2.0", None),  # expressions are refused: one id is signed in the claim
        ("(MIT)", None),
        ("", None),
        ("Classpath-exception-2.0", None),  # an exception is not a license on its own
        ("LicenseRef-scancode-net-snmp", None),  # ScanCode's own ids are not SPDX ids
        ("Proprietary", None),
    ],
)
def test_anything_but_a_current_spdx_id_is_refused(given: str, suggested: str | None) -> None:
    with pytest.raises(UnknownLicense) as raised:
        check_license(given)
    assert raised.value.code == "unknown_license"
    assert raised.value.status_code == 400
    if suggested is not None:
        assert raised.value.suggestions[0] == suggested
        assert suggested in raised.value.message


def test_a_deprecated_id_is_named_as_such() -> None:
    with pytest.raises(UnknownLicense, match="deprecated"):
        check_license("gpl-2.0+")
