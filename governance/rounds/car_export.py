"""A round as CAR files, for IPFS users: `ipfs dag import` (or any CAR reader) loads the round's exact blocks.

The round is found and checked as the pull finds it, by the pull's own functions: its approval on-chain
(`approved_on_chain`), each manifest against its CID and approved root (`verified_manifest`), withdrawn
contributions left out (`checked_withdrawals`: the chain's revocations, checked against the API's). Then each
manifest and each file becomes `<cid>.car`, a CARv1 whose one root is that CID, or all of them go into one
`round-<n>.car` naming a root per file. Each CID's CAR streams from a `CarSource` (the API's gateway, or an IPFS
node's `dag export`) into a temporary file: every block is checked against its CID as it is written, must hang
under its root (the CAR is depth first from the root, so a block arrives after the node that links it), and
every linked block must have come by the end; only then is the file renamed into place. A re-run skips the CAR
files already there.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import httpx
from web3 import Web3

from governance.rounds.errors import ApiUnreachable, PullRefused, TamperedItem
from governance.rounds.pull import approved_on_chain, verified_manifest
from governance.rounds.pull_files import write_atomically
from governance.rounds.withdrawn import checked_withdrawals
from polyphony.storage.base import BlobReader
from polyphony.storage.car import CarStream, car_header, car_section
from polyphony.storage.cid import DAG_PB, Cid, parse_cid
from polyphony.storage.unixfs import decode_file_node


class CarSource(Protocol):
    """Anything that streams a CID's DAG as a CARv1: a gateway (`GatewayBlobs`) or a store (`KuboStorage`)."""

    def export_car(self, cid: str) -> Iterator[bytes]:
        """Yield a CARv1 file with `cid` as its root."""
        ...


@dataclass(frozen=True)
class CarExport:
    """What an export wrote: its CAR files, how many were there already, the withdrawn contributions left out."""

    round: int
    cars: list[Path]
    already_there: int
    dropped: list[int]


def export_round_cars(
    round_number: int, *, api: httpx.Client, web3: Web3, registry: str, provenance_registry: str, blobs: BlobReader,
    cars: CarSource, out: Path, one_file: bool = False,
) -> CarExport:  # fmt: skip
    """Write round `round_number` into `out` as verified CAR files (or one, `round-<n>.car`, with a root per file);
    raise on the first thing that does not hold."""
    approved = approved_on_chain(web3, registry=registry, round_number=round_number, listed=_listed(api, round_number))
    manifests = [
        verified_manifest(blobs, root=root, manifest_cid=approval.manifest_cid)[1]
        for root, approval in sorted(approved.items())
    ]
    dropped = checked_withdrawals(api, web3=web3, registry=provenance_registry, blobs=blobs).withdrawn
    rows = {int(row["contribution_id"]): row for manifest in manifests for row in manifest.rows}
    kept = {number: row for number, row in rows.items() if number not in dropped}
    wanted = [*sorted({m.manifest_cid for m in manifests}), *sorted({row["cid"] for row in kept.values()})]
    roots = list(dict.fromkeys(wanted))
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"round-{round_number}.car"] if one_file else [out / f"{cid}.car" for cid in roots]
    written = [path for path in paths if not path.exists()]
    for path in written:
        path_roots = roots if one_file else [path.name.removesuffix(".car")]
        write_atomically(path, partial(_write_roots, cars=cars, roots=path_roots))
    return CarExport(round_number, paths, len(paths) - len(written), sorted(dropped & set(rows)))


def _write_roots(out: BinaryIO, *, cars: CarSource, roots: list[str]) -> None:
    """One CAR file naming `roots`, each root's DAG copied from its own CAR in turn, every block checked."""
    out.write(car_header(*(parse_cid(root) for root in roots)))
    for root in roots:
        copy_verified_blocks(cars.export_car(root), root=root, out=out)


def write_verified_car(car: Iterable[bytes], *, root: str, out: BinaryIO) -> int:
    """Copy the CAR of `root` to `out` block by block, each checked; return the blocks; `TamperedItem` if one fails."""
    out.write(car_header(parse_cid(root)))
    return copy_verified_blocks(car, root=root, out=out)


def copy_verified_blocks(car: Iterable[bytes], *, root: str, out: BinaryIO) -> int:
    """Append the blocks of the CAR of `root` to `out` (no header), each checked; `TamperedItem` if one fails."""
    expected = parse_cid(root)
    try:
        stream = CarStream(car)
        if stream.roots != [expected]:
            raise TamperedItem(f"the CAR of {root} names the roots {[str(r) for r in stream.roots]}, not {root}")
        return _copy_blocks(stream, root=expected, out=out)
    except ValueError as error:
        raise TamperedItem(f"the CAR of {root} was refused: {error}") from None


def _copy_blocks(stream: CarStream, *, root: Cid, out: BinaryIO) -> int:
    awaited, seen = {root}, set()
    for cid, block in stream.blocks():
        if cid in seen:
            continue
        if cid not in awaited:
            raise TamperedItem(f"the CAR of {root} holds block {cid}, which nothing before it under the root links")
        awaited.discard(cid)
        seen.add(cid)
        if cid.codec == DAG_PB:
            awaited |= {link.cid for link in decode_file_node(block).links} - seen
        out.write(car_section(cid, block))
    if awaited:
        raise TamperedItem(f"the CAR of {root} lacks {len(awaited)} blocks of the file, e.g. {min(map(str, awaited))}")
    return len(seen)


def _listed(api: httpx.Client, round_number: int) -> list[dict[str, Any]]:
    """The datasets the API lists for the round (none if it knows none): what the chain's word is checked against."""
    path = f"/rounds/{round_number}"
    try:
        answer = api.get(path)
    except httpx.TransportError as error:
        raise ApiUnreachable(f"cannot reach the API for {path} ({type(error).__name__})") from None
    if answer.status_code == 404:
        return []
    if answer.status_code != 200:
        raise PullRefused(f"the API answered {answer.status_code} for {path}: {answer.text[:200]}")
    datasets: list[dict[str, Any]] = answer.json().get("datasets", [])
    return datasets
