"""Storage upkeep: the local CID store's garbage collection (a Kubo node runs its own)."""

from polyphony.settings import get_settings
from polyphony.storage import storage_from_settings
from polyphony.storage.local import LocalStorage
from workers.app import app


@app.task(name="storage.collect_garbage")
def collect_garbage() -> int:
    """Delete unpinned blocks and crash leftovers from the local store; return how many files went."""
    storage = storage_from_settings(get_settings())
    return storage.gc() if isinstance(storage, LocalStorage) else 0
