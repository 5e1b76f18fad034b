"""The OpenAPI of the multipart bodies that routes read as they stream (the upload, the score preview).

Those routes take the raw request, so FastAPI cannot see their fields: each describes its body here, with
`multipart_body`, and passes it as `openapi_extra`, so "Try it out" can send the file and generated clients
learn every field. The fields both bodies share are written once, below.
"""

from typing import Any

from polyphony.formats.declared import MAX_TEXT_FIELD, ContentFormat, Modality

FILE = {"type": "string", "format": "binary", "description": "The file, named with its extension (.txt, .jsonl, ...)"}
TEXT_FIELD = {
    "type": "string", "maxLength": MAX_TEXT_FIELD,
    "description": "The field of each JSONL, CSV or Parquet record that holds its text; default: the scoring "
    "policy's ('text'). Refused for files that are no records of text.",
}  # fmt: skip


def modality(description: str) -> dict[str, Any]:
    """The `modality` field: text, tabular or image."""
    return {"type": "string", "enum": [str(each) for each in Modality], "description": description}


def content_format(description: str) -> dict[str, Any]:
    """The `format` field: one of the formats Polyphony reads."""
    return {"type": "string", "enum": [str(each) for each in ContentFormat], "description": description}


def multipart_body(properties: dict[str, dict[str, Any]], *, required: list[str]) -> dict[str, Any]:
    """An OpenAPI `requestBody`: a multipart/form-data form of `properties`, of which `required` must be sent."""
    assert set(required) <= set(properties), "a required field is one of the form's"
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
