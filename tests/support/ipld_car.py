"""CAR files as the npm package @ipld/car reads them: a reader that is not Polyphony's, to hold car.py to.

`read_with_ipld_car(path)` runs `ipld_car.mjs` with node: every block with whether it hashes to its CID, and the
sha256 and size of the file reassembled under each root (with @ipld/dag-pb and ipfs-unixfs).
"""

import json
import subprocess
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[2]
HELPER = Path(__file__).with_name("ipld_car.mjs")


def read_with_ipld_car(path: Path) -> dict[str, Any]:
    """{"roots": [cid], "blocks": [{"cid", "codec", "verified"}], "files": {root: {"sha256", "size"}}}."""
    completed = subprocess.run(
        ["node", str(HELPER), str(path)], capture_output=True, text=True, cwd=REPO_DIR, check=True, timeout=120
    )
    read: dict[str, Any] = json.loads(completed.stdout)
    return read
