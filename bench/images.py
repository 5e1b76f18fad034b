"""Image near-copy figures: how many altered copies policy v2's perceptual hash catches, and how often two
different pictures match: bench/out/images.json.

Runs alone (`python bench/images.py`, about half a minute on one core). There are no photographs on this machine,
so the pictures are synthesized with Pillow, with structure rather than noise, in four families (chosen by the
picture's number, every parameter drawn from a seeded generator):

- `fractal`: a Mandelbrot view (`Image.effect_mandelbrot`) at a random centre and zoom, coloured;
- `shapes`: a two-colour gradient with overlapping ellipses, rectangles and polygons, slightly blurred;
- `landscape`: a sky gradient, hills as filled curves, a sun and trees: one scene, laid out differently;
- `stripes`: bands of colour at a random angle and period with a few circles over them.

Each picture (PICTURES of them, 400 to 800 pixels a side) is hashed as a worker hashes an upload (`analyse` of
its PNG bytes under the current policy), then altered copies are hashed: resized to a half and to a quarter,
re-encoded as JPEG at quality 85 and 40, cropped by 5 % of the width or 10 % of the height on one side, cropped
by 3 %, 5 % and 10 % on every side, and resized to a half then re-encoded at 70. Recall is the share of copies
within the policy's `max_distance_bits` of their original; the false-match rate is the share of pairs of
different pictures that are that close. Both are also given at other distances, to show the margin of the
policy's choice.
"""

import io
import json
import math
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from polyphony.scoring import analyse, current_policy
from polyphony.scoring.images import hamming_distance

OUT = Path(__file__).resolve().parent / "out" / "images.json"
PICTURES = 120
DISTANCES = (4, 6, 8, 10, 12, 14, 16)


def fractal(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    x, y, zoom = rng.uniform(-1.8, 0.4), rng.uniform(-1.0, 1.0), rng.uniform(0.05, 1.5)
    extent = (x - zoom, y - zoom * size[1] / size[0], x + zoom, y + zoom * size[1] / size[0])
    grey = Image.effect_mandelbrot(size, extent, rng.randint(30, 120))
    coloured: Image.Image = ImageOps.colorize(grey, black=_colour(rng), white=_colour(rng), mid=_colour(rng))
    return coloured


def shapes(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    image = _gradient(size, _colour(rng), _colour(rng), vertical=rng.random() < 0.5)
    draw = ImageDraw.Draw(image)
    width, height = size
    for _ in range(rng.randint(4, 12)):
        box = sorted(rng.sample(range(width), 2)), sorted(rng.sample(range(height), 2))
        corners = (box[0][0], box[1][0], box[0][1], box[1][1])
        kind = rng.choice(("ellipse", "rectangle", "polygon"))
        if kind == "polygon":
            points = [(rng.randrange(width), rng.randrange(height)) for _ in range(rng.randint(3, 6))]
            draw.polygon(points, fill=_colour(rng))
        else:
            getattr(draw, kind)(corners, fill=_colour(rng))
    return image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.0)))


def landscape(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    width, height = size
    image = _gradient(size, (rng.randint(40, 120), rng.randint(100, 180), 230), (230, 220, rng.randint(150, 230)))
    draw = ImageDraw.Draw(image)
    sun = (rng.randrange(width), rng.randrange(height // 2))
    radius = rng.randint(height // 20, height // 8)
    draw.ellipse((sun[0] - radius, sun[1] - radius, sun[0] + radius, sun[1] + radius), fill=(250, 220, 90))
    for layer in range(rng.randint(2, 4)):
        base, amplitude, period = height * (0.45 + 0.15 * layer), rng.uniform(10, height / 5), rng.uniform(80, 400)
        phase = rng.uniform(0, 2 * math.pi)
        crest = [(x, base - amplitude * math.sin(x / period * 2 * math.pi + phase)) for x in range(0, width + 10, 10)]
        draw.polygon([*crest, (width, height), (0, height)], fill=(30 + 20 * layer, rng.randint(80, 160), 40))
    for _ in range(rng.randint(0, 8)):
        x, y = rng.randrange(width), rng.randint(height * 2 // 3, height - 1)
        draw.polygon([(x, y - 40), (x - 14, y), (x + 14, y)], fill=(20, rng.randint(60, 110), 30))
    return image


def stripes(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    width, height = size
    period, angle = rng.uniform(20, 120), rng.uniform(0, math.pi)
    colours = [_colour(rng) for _ in range(rng.randint(2, 4))]
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    reach = width + height
    for band in range(int(-reach / period), int(reach / period) + 1):
        offset = band * period
        dx, dy = math.cos(angle), math.sin(angle)
        points = [
            (offset * dx - reach * dy, offset * dy + reach * dx), (offset * dx + reach * dy, offset * dy - reach * dx),
            ((offset + period) * dx + reach * dy, (offset + period) * dy - reach * dx),
            ((offset + period) * dx - reach * dy, (offset + period) * dy + reach * dx),
        ]  # fmt: skip
        draw.polygon(points, fill=colours[band % len(colours)])
    for _ in range(rng.randint(1, 4)):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randint(20, min(size) // 3)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_colour(rng))
    return image


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return rng.randrange(256), rng.randrange(256), rng.randrange(256)


def _gradient(
    size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int], *, vertical: bool = True
) -> Image.Image:
    mask = Image.linear_gradient("L").resize(size)
    if not vertical:
        mask = mask.rotate(90).resize(size)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


FAMILIES = {"fractal": fractal, "shapes": shapes, "landscape": landscape, "stripes": stripes}


def _crop(share: float, *, sides: str = "lrtb") -> Callable[[Image.Image], bytes]:
    """Cut `share` of the width or height off each of `sides` (left, right, top, bottom)."""

    def cropped(image: Image.Image) -> bytes:
        width, height = image.size
        dx, dy = int(width * share), int(height * share)
        box = ("l" in sides) * dx, ("t" in sides) * dy, width - ("r" in sides) * dx, height - ("b" in sides) * dy
        return _png(image.crop(box))

    return cropped


def _resized(factor: int) -> Callable[[Image.Image], bytes]:
    return lambda image: _png(image.resize((image.width // factor, image.height // factor), Image.Resampling.BICUBIC))


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


ALTERATIONS: dict[str, tuple[str, Callable[[Image.Image], bytes]]] = {
    "resized_half": ("png", _resized(2)),
    "resized_quarter": ("png", _resized(4)),
    "jpeg_85": ("jpeg", lambda image: _jpeg(image, 85)),
    "jpeg_40": ("jpeg", lambda image: _jpeg(image, 40)),
    "cropped_5pct_one_side": ("png", _crop(0.05, sides="r")),
    "cropped_10pct_one_side": ("png", _crop(0.10, sides="b")),
    "cropped_3pct_each_side": ("png", _crop(0.03)),
    "cropped_5pct_each_side": ("png", _crop(0.05)),
    "cropped_10pct_each_side": ("png", _crop(0.10)),
    "half_then_jpeg_70": ("jpeg", lambda image: _jpeg(image.resize((image.width // 2, image.height // 2)), 70)),
}


def image_hash(content: bytes, content_format: str) -> str:
    policy, _ = current_policy()
    found = analyse(content, content_format=content_format, modality="image", policy=policy).image_hash
    assert found is not None, "the current policy checks no image for near copies"
    return found


def pictures() -> list[tuple[str, Image.Image]]:
    rng = random.Random(2026)  # noqa: S311 (seeded sample pictures, not a secret)
    drawn = []
    for number in range(PICTURES):
        family = list(FAMILIES)[number % len(FAMILIES)]
        size = (rng.randint(400, 800), rng.randint(400, 800))
        drawn.append((family, FAMILIES[family](rng, size)))
    return drawn


def _share_bp(part: int, whole: int) -> int:
    return part * 10_000 // whole if whole else 0


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    policy, _ = current_policy()
    limit = int(policy.config["image_near_duplicate"]["max_distance_bits"])
    drawn = pictures()
    started = time.perf_counter()
    originals = [image_hash(_png(image), "png") for _, image in drawn]
    ms_per_hash = int((time.perf_counter() - started) * 1000 / len(drawn))
    copies = {name: [hamming_distance(originals[n], image_hash(alter(image), fmt))
                     for n, (_, image) in enumerate(drawn)] for name, (fmt, alter) in ALTERATIONS.items()}  # fmt: skip
    pairs = [(a, b) for a in range(len(drawn)) for b in range(a + 1, len(drawn))]
    distinct = [hamming_distance(originals[a], originals[b]) for a, b in pairs]
    same_family = [d for (a, b), d in zip(pairs, distinct, strict=True) if drawn[a][0] == drawn[b][0]]
    every_copy = [d for found in copies.values() for d in found]
    figures = {
        "pictures": len(drawn), "max_distance_bits": limit, "ms_per_hash": ms_per_hash,
        "recall_bp": {name: _share_bp(sum(d <= limit for d in found), len(found)) for name, found in copies.items()},
        "copy_distance_max": {name: max(found) for name, found in copies.items()},
        "recall_all_bp": _share_bp(sum(d <= limit for d in every_copy), len(every_copy)),
        "distinct_pairs": len(distinct),
        "false_match_bp": _share_bp(sum(d <= limit for d in distinct), len(distinct)),
        "false_match_same_family_bp": _share_bp(sum(d <= limit for d in same_family), len(same_family)),
        "distinct_distance_min": min(distinct),
        "at_distance": {str(k): {"recall_bp": _share_bp(sum(d <= k for d in every_copy), len(every_copy)),
                                 "false_match_bp": _share_bp(sum(d <= k for d in distinct), len(distinct))}
                        for k in DISTANCES},
    }  # fmt: skip
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
