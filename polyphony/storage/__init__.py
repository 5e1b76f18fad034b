"""Content-addressed storage: the embedded local CID store, or an IPFS node over the Kubo RPC API."""

from polyphony.settings import Settings
from polyphony.storage.base import Storage
from polyphony.storage.kubo import KuboStorage
from polyphony.storage.local import LocalStorage


def storage_from_settings(settings: Settings) -> Storage:
    """The IPFS node at `IPFS_API_URL` if set, else the local CID store under `$POLYPHONY_HOME`."""
    if settings.ipfs_api_url:
        return KuboStorage(settings.ipfs_api_url)
    return LocalStorage(settings.blocks_dir)
