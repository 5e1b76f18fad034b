"""Pictures with structure (bands of colour and shapes placed by a seed), not noise, for the image tests."""

import io

from PIL import Image, ImageDraw


def picture(seed: int, *, size: tuple[int, int] = (400, 300)) -> Image.Image:
    """A drawing whose colours and shapes follow from `seed`: different seeds draw different pictures."""
    image = Image.new("RGB", size, (seed * 37 % 256, 90, 160))
    draw = ImageDraw.Draw(image)
    width, height = size
    for shape in range(4):
        x, y = (seed * 53 + shape * 71) % width, (seed * 29 + shape * 97) % height
        box = (x - width // 5, y - height // 6, x + width // 5, y + height // 6)
        draw.ellipse(box, fill=((shape * 90 + seed * 11) % 256, 220 - shape * 40, 30))
    draw.rectangle((0, height * 2 // 3, width, height), fill=(20, (seed * 71) % 256, 60))
    return image


def encoded(image: Image.Image, fmt: str = "PNG", **options: int) -> bytes:
    """The image's file bytes in `fmt` (PNG, JPEG) with Pillow's `options` (quality=...)."""
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()
