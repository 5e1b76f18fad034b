"""The license a contributor grants, as one SPDX license id from the SPDX License List.

The list comes from the `license-expression` package, which ships the ScanCode LicenseDB index (SPDX License List
3.27 in 30.4.4) inside its wheel, so nothing is fetched at run time. Only plain ids are accepted, not expressions
such as `MIT OR Apache-2.0`: the contributor signs one license in the claim, and manifests, pulls and reward
rules then compare one id, never a boolean formula.
"""

import difflib
import re
from dataclasses import dataclass
from functools import cache

from license_expression import get_license_index

from polyphony.contributions.errors import UnknownLicense

_EXPRESSION = re.compile(r"\s(AND|OR|WITH)\s|[()]", re.IGNORECASE)
_SUGGESTIONS = 3


def check_license(spdx_id: str) -> str:
    """Return the canonical SPDX id for `spdx_id`, matched without regard to case, or raise UnknownLicense."""
    wanted = spdx_id.strip()
    canonical = _canonical_ids().get(wanted.casefold())
    if canonical is not None:
        return canonical
    if not wanted:
        raise UnknownLicense("No license was given: name the SPDX license id you grant, for example CC-BY-4.0.")
    if _EXPRESSION.search(wanted):
        raise UnknownLicense(
            f"{wanted!r} is a license expression; give the one SPDX license id you grant, for example CC-BY-4.0."
        )
    suggestions = _close_matches(wanted)
    replacement = _replacements().get(wanted.casefold())
    if replacement is not None:
        problem = f"{wanted!r} is a deprecated SPDX id: use {replacement} (or the license you mean)."
    else:
        hint = f" Did you mean {' or '.join(suggestions)}?" if suggestions else ""
        problem = f"{wanted!r} is not an SPDX license id.{hint} The ids are listed at spdx.org/licenses."
    raise UnknownLicense(problem, suggestions=suggestions)


@dataclass(frozen=True)
class SpdxLicense:
    """One license a contributor may grant: its SPDX id and ScanCode's category (Permissive, Copyleft, ...)."""

    id: str
    category: str


def search_licenses(query: str, *, offset: int, limit: int) -> tuple[list[SpdxLicense], int]:
    """The accepted ids containing `query` (any case), those starting with it first, then by id; and how many."""
    folded = query.strip().casefold()
    found = [entry for entry in _accepted() if folded in entry.id.casefold()]
    found.sort(key=lambda entry: (not entry.id.casefold().startswith(folded), entry.id.casefold()))
    return found[offset : offset + limit], len(found)


@cache
def _accepted() -> tuple[SpdxLicense, ...]:
    canonical = set(_canonical_ids().values())
    categories = {entry["spdx_license_key"]: entry.get("category") or "Unstated" for entry in get_license_index()
                  if entry.get("spdx_license_key") in canonical}  # fmt: skip
    return tuple(SpdxLicense(spdx, categories[spdx]) for spdx in sorted(canonical, key=str.casefold))


@cache
def _canonical_ids() -> dict[str, str]:
    """SPDX license ids by their case-folded form: current licenses only, no exceptions, no deprecated ids."""
    ids: dict[str, str] = {}
    for entry in get_license_index():
        spdx = entry.get("spdx_license_key")
        # ScanCode gives licenses missing from the SPDX list a LicenseRef- id; those are not SPDX licenses.
        if spdx and not spdx.startswith("LicenseRef-") and not entry["is_exception"] and not entry["is_deprecated"]:
            ids[spdx.casefold()] = spdx
    return ids


@cache
def _replacements() -> dict[str, str]:
    """Deprecated SPDX ids (GPL-2.0, GPL-2.0+) by case-folded form, each to the current id that replaced it."""
    current = _canonical_ids()
    return {
        alias.casefold(): entry["spdx_license_key"]
        for entry in get_license_index()
        for alias in entry.get("other_spdx_license_keys", [])
        if (entry.get("spdx_license_key") or "").casefold() in current and not alias.startswith("LicenseRef-")
    }


def _close_matches(wanted: str) -> tuple[str, ...]:
    """A few current ids a person most likely meant, the replacement of a deprecated id first."""
    folded = wanted.casefold()
    current = _canonical_ids()
    found = [_replacements()[folded]] if folded in _replacements() else []
    found += [current[key] for key in difflib.get_close_matches(folded, current, n=_SUGGESTIONS, cutoff=0.6)]
    return tuple(dict.fromkeys(found))[:_SUGGESTIONS]
