"""Response model of `GET /licenses`."""

from pydantic import BaseModel, Field


class LicensePublic(BaseModel):
    """A license an upload may name."""

    id: str = Field(description="The SPDX license id, as the upload's `license` field takes it")
    category: str = Field(description="ScanCode's category: Permissive, Copyleft, Public Domain, ...")
