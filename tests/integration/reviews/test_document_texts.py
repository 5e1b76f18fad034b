"""What a reviewer is shown of a sampled document, read from the configured storage: a text's document as the
scorer read it, a table's row as its cells, nothing for an image."""

import io

from governance.reviews.service import DocumentTexts
from polyphony.models.contribution import Contribution
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from tests.support.pictures import encoded, picture
from tests.support.scored_uploads import jsonl, prose


def _stored(settings: Settings, content: bytes, **facts: str) -> Contribution:
    cid = storage_from_settings(settings).add(io.BytesIO(content)).cid
    return Contribution(
        contributor="0x" + "a1" * 20, sha256="00" * 32, cid=cid, size=len(content), filename="f", title="t",
        license="CC0-1.0", consent_text="yes", consent_sha256="00" * 32, **facts,
    )  # fmt: skip


def test_a_reviewer_sees_a_texts_document_a_tables_row_and_no_text_for_an_image(settings: Settings) -> None:
    texts = DocumentTexts(storage_from_settings(settings))
    documents = prose(3)
    text = _stored(settings, jsonl(documents), content_format="jsonl", modality="text")
    assert [texts.of(text, record) for record in range(3)] == documents
    assert texts.of(text, 3) is None

    table = _stored(settings, b"city,people\nLagos,15388000\nQuito,2800000\n", content_format="csv", modality="tabular")
    assert (texts.of(table, 0), texts.of(table, 1)) == ("Lagos | 15388000", "Quito | 2800000")

    image = _stored(settings, encoded(picture(7)), content_format="png", modality="image")
    assert texts.of(image, 0) is None  # the reviewer is shown its link: /ipfs/{cid}
