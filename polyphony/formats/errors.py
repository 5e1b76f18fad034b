"""What can be wrong with an upload's file or its declared format, each with a stable code a client may switch on."""

from polyphony.errors import BadRequest, UnsupportedMediaType


class UnknownModality(BadRequest):
    code = "unknown_modality"


class UnsupportedFormat(UnsupportedMediaType):
    """The file name's extension is not one Polyphony accepts: a 415, the media type is what is refused."""

    code = "unsupported_format"


class ModalityMismatch(BadRequest):
    """The extension is a format Polyphony accepts, but not for the declared modality (a .png sent as text)."""

    code = "modality_mismatch"


class TextFieldNotApplicable(BadRequest):
    """A text field was named for a file whose documents are no records of text (plain text, a table, an image)."""

    code = "text_field_not_applicable"


class ContentTypeMismatch(BadRequest):
    """The multipart content type names another format than the file name does."""

    code = "content_type_mismatch"


class InvalidContent(BadRequest):
    """The bytes are not what the declared format says; every content check below is one of these."""

    code = "invalid_content"


class EmptyFile(InvalidContent):
    code = "empty_file"


class FormatMismatch(InvalidContent):
    """The bytes are recognisably another format than the declared one (a PNG named .csv)."""

    code = "format_mismatch"


class InvalidUtf8(InvalidContent):
    code = "invalid_utf8"

    def __init__(self, *, offset: int) -> None:
        super().__init__(
            f"The file is not valid UTF-8: the byte at offset {offset} does not form a UTF-8 character. "
            "Save text files as UTF-8 and upload again."
        )
        self.offset = offset


class NulByte(InvalidContent):
    code = "nul_byte"

    def __init__(self, *, offset: int) -> None:
        super().__init__(
            f"The file holds a NUL byte at offset {offset}, which text never contains: it looks like a binary file."
        )
        self.offset = offset


class LineTooLong(InvalidContent):
    code = "line_too_long"

    def __init__(self, *, line: int, limit: int) -> None:
        super().__init__(
            f"Line {line} is longer than {limit} bytes, the most one line or record may hold. "
            "Split the record or use Parquet for very wide rows."
        )
        self.line = line
        self.limit = limit


class NotJsonl(InvalidContent):
    code = "not_jsonl"

    def __init__(self, problem: str, *, line: int) -> None:
        super().__init__(f"Line {line} {problem}; a .jsonl file holds one JSON object per line.")
        self.line = line


class InvalidCsv(InvalidContent):
    code = "invalid_csv"

    def __init__(self, problem: str, *, line: int) -> None:
        super().__init__(f"The CSV does not parse at line {line}: {problem}.")
        self.line = line


class InvalidParquet(InvalidContent):
    code = "invalid_parquet"


class InvalidImage(InvalidContent):
    code = "invalid_image"


class DecompressionBomb(InvalidContent):
    """A small file that would expand to far more data than it holds: refused before it is expanded."""

    code = "decompression_bomb"
