"""PNG and JPEG: signature, intact chunks, pixels that decode to the end, and no decompression bombs."""

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from polyphony.formats.checks import ContentReport, check_content
from polyphony.formats.declared import ContentFormat
from polyphony.formats.errors import DecompressionBomb, InvalidContent
from polyphony.formats.readers import FormatLimits

PNG, JPEG = ContentFormat.PNG, ContentFormat.JPEG


def encoded(image: Image.Image, pillow_format: str, **options: object) -> bytes:
    """The image saved in memory in `pillow_format`."""
    sink = io.BytesIO()
    image.save(sink, pillow_format, **options)
    return sink.getvalue()


def noise(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """An image of random pixels, which compresses badly, so a cut or a flipped byte lands in pixel data."""
    bands = len(Image.new(mode, (1, 1)).getbands())
    return Image.frombytes(mode, (width, height), hashlib.shake_256(b"noise").digest(width * height * bands))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares its size in a valid IHDR chunk and holds no pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def check(tmp_path: Path, content: bytes, fmt: ContentFormat, limits: FormatLimits | None = None) -> ContentReport:
    upload = tmp_path / "upload"
    upload.write_bytes(content)
    return check_content(upload, fmt=fmt, limits=limits or FormatLimits())


@pytest.mark.parametrize(
    ("fmt", "content", "width", "height"),
    [
        (PNG, encoded(noise(8, 6), "PNG"), 8, 6),
        (PNG, encoded(noise(5, 3, "RGBA"), "PNG"), 5, 3),
        (PNG, encoded(Image.new("1", (40, 1)), "PNG"), 40, 1),
        (JPEG, encoded(noise(64, 48), "JPEG", quality=90), 64, 48),
        (JPEG, encoded(noise(17, 9, "L"), "JPEG", progressive=True), 17, 9),
    ],
)
def test_well_formed_images_pass_with_their_size(
    tmp_path: Path, fmt: ContentFormat, content: bytes, width: int, height: int
) -> None:
    report = check(tmp_path, content, fmt)
    assert report == ContentReport(format=fmt, size=len(content), records=1, width=width, height=height)


NOISE_PNG = encoded(noise(128, 128), "PNG")
NOISE_JPEG = encoded(noise(128, 128), "JPEG", quality=95)


def flipped(content: bytes, *, at: float) -> bytes:
    """The file with one byte at a fraction of its length inverted."""
    index = int(len(content) * at)
    return content[:index] + bytes([content[index] ^ 0xFF]) + content[index + 1 :]


@pytest.mark.parametrize(
    ("fmt", "content", "code"),
    [
        (PNG, b"", "empty_file"),
        (JPEG, b"", "empty_file"),
        (PNG, NOISE_PNG[: len(NOISE_PNG) // 2], "invalid_image"),
        (JPEG, NOISE_JPEG[: len(NOISE_JPEG) // 2], "invalid_image"),
        (PNG, flipped(NOISE_PNG, at=0.5), "invalid_image"),  # a chunk whose CRC no longer matches
        (PNG, NOISE_PNG[:8], "invalid_image"),
        (JPEG, b"\xff\xd8\xff" + b"\x00" * 60, "invalid_image"),
        (PNG, b"\x00\x01\x02\x03" * 10, "invalid_image"),
        (PNG, NOISE_JPEG, "format_mismatch"),
        (JPEG, NOISE_PNG, "format_mismatch"),
        (PNG, b"a,b\n1,2\n", "format_mismatch"),  # a CSV named .png
        (JPEG, encoded(noise(4, 4), "GIF"), "format_mismatch"),
        (PNG, encoded(noise(4, 4), "WEBP"), "format_mismatch"),
    ],
)
def test_broken_or_other_files_are_refused(tmp_path: Path, fmt: ContentFormat, content: bytes, code: str) -> None:
    with pytest.raises(InvalidContent) as raised:
        check(tmp_path, content, fmt)
    assert raised.value.code == code
    assert raised.value.message.endswith(".")
    assert str(tmp_path) not in raised.value.message  # never the server's spool path


def test_a_large_black_png_small_on_disk_is_a_bomb(tmp_path: Path) -> None:
    content = encoded(Image.new("1", (4000, 4000)), "PNG", optimize=True)
    assert len(content) < 5000
    with pytest.raises(DecompressionBomb, match="4000 x 4000 pixels") as raised:
        check(tmp_path, content, PNG, FormatLimits(max_image_pixels=1_000_000))
    assert raised.value.code == "decompression_bomb"


def test_a_large_jpeg_over_the_pixel_limit_is_a_bomb(tmp_path: Path) -> None:
    content = encoded(Image.new("L", (2000, 1000)), "JPEG")
    with pytest.raises(DecompressionBomb):
        check(tmp_path, content, JPEG, FormatLimits(max_image_pixels=1_999_999))
    assert check(tmp_path, content, JPEG, FormatLimits(max_image_pixels=2_000_000)).width == 2000


def test_pillows_own_bound_is_a_bomb_too_and_stays_untouched(tmp_path: Path) -> None:
    # 400 megapixels passes our limit here but is past twice Pillow's process-wide bound, where Pillow raises.
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(DecompressionBomb):
        check(tmp_path, png_header_only(20_000, 20_000), PNG, FormatLimits(max_image_pixels=10**9))
    assert before == Image.MAX_IMAGE_PIXELS


def test_a_header_without_pixels_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidContent) as raised:
        check(tmp_path, png_header_only(10, 10), PNG)
    assert raised.value.code == "invalid_image"
