"""The junk generators of the quality benchmark's labelled set, by name in JUNK_KINDS.

Each maps a seeded random generator and the Material drawn from the English good documents to one junk text:
spam lines, gibberish, word salad and Markov text (drawn from the good documents' words), lorem ipsum, numbers,
keyword lists, base64, hex dumps, web page boilerplate, templated spam, keyboard mash, link lists.
`corpus.labelled.junk` makes a labelled junk document of one.
"""

import base64
import itertools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Material:
    """What junk made of real words draws on: the English good documents' words (as often as they occur there),
    and, for Markov text, which word or punctuation mark follows which."""

    words: list[str]
    starts: list[str]  # capitalised words after a full stop: where a Markov walk may begin
    successors: dict[str, list[str]]


def material_from(texts: list[str]) -> Material:
    tokens = [token for text in texts for token in re.findall(r"[A-Za-z]+(?:'[a-z]+)?|[.,;:!?]", text)]
    successors: dict[str, list[str]] = {}
    for current, following in itertools.pairwise(tokens):
        successors.setdefault(current, []).append(following)
    starts = [word for before, word in itertools.pairwise(tokens) if before == "." and word.istitle()]
    return Material([token.lower() for token in tokens if token.isalpha()], starts or ["The"], successors)


def sentence(words: list[str]) -> str:
    text = " ".join(words)
    return text[:1].upper() + text[1:] + "."


def paragraphs_of(rng: random.Random, sentence: Callable[[], str], paragraphs: int, per_paragraph: int) -> str:
    """About `paragraphs` paragraphs of about `per_paragraph` sentences each, every count drawn around those."""
    return "\n\n".join(
        " ".join(sentence() for _ in range(rng.randint(2, 2 * per_paragraph)))
        for _ in range(rng.randint(paragraphs // 2 + 1, 2 * paragraphs))
    )


SPAM_LINES = (
    "CLICK HERE to claim your FREE prize now!!! Limited offer, act fast.",
    "Best online casino bonus this year - sign up today and win big",
    "Make 5000 dollars a week from home, no experience needed, start now",
    "Cheap replica watches, free shipping worldwide, order today",
    "You have been selected for an exclusive reward. Confirm your details here.",
)


def repeated_spam_line(rng: random.Random, material: Material) -> str:
    return "\n".join([rng.choice(SPAM_LINES)] * rng.randint(200, 600))


def consonant_gibberish(rng: random.Random, material: Material) -> str:
    """Sentences of made-up words with no vowel, shaped like prose (capitals, full stops, paragraphs)."""

    def word() -> str:
        return "".join(rng.choices("bcdfghjklmnpqrstvwxz", k=rng.randint(2, 9)))

    return paragraphs_of(rng, lambda: sentence([word() for _ in range(rng.randint(5, 14))]), 5, 4)


def word_salad(rng: random.Random, material: Material) -> str:
    """Real English words in random order, as often as the good documents use them, shaped like prose."""
    return paragraphs_of(rng, lambda: sentence(rng.choices(material.words, k=rng.randint(6, 18))), 5, 4)


def markov_text(rng: random.Random, material: Material) -> str:
    """A walk on which token follows which in the good documents: locally plausible, globally meaningless."""
    tokens = [rng.choice(material.starts)]
    for _ in range(rng.randint(300, 1500)):
        tokens.append(rng.choice(material.successors.get(tokens[-1]) or material.starts))
    text = re.sub(r" ([.,;:!?])", r"\1", " ".join(tokens))  # no space before punctuation
    sentences = re.split(r"(?<=[.!?]) ", text)
    paragraphs = []
    while sentences:
        size = rng.randint(2, 8)
        paragraphs.append(" ".join(sentences[:size]))
        sentences = sentences[size:]
    return "\n\n".join(paragraphs)


_LOREM = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore "
    "magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo "
    "consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint "
    "occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est laborum"
)
LOREM_WORDS = _LOREM.split()
PAGE_HEADINGS = ("About us", "Our services", "Latest news", "Testimonials", "Contact", "Why choose us")


def lorem_ipsum(rng: random.Random, material: Material) -> str:
    """Placeholder text in three variations: the classic opening; the same words without "lorem ipsum" (which a
    filter looking for that phrase does not see); and a template page, headings between the paragraphs."""
    variation = rng.randrange(3)
    words = [word for word in LOREM_WORDS if variation != 1 or word not in {"lorem", "ipsum"}]
    body = paragraphs_of(rng, lambda: sentence(rng.choices(words, k=rng.randint(6, 16))), 4, 4)
    if variation == 0:
        return "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " + body
    if variation == 2:
        return "\n\n".join(f"{rng.choice(PAGE_HEADINGS)}\n\n{paragraph}" for paragraph in body.split("\n\n"))
    return body


def number_lines(rng: random.Random, material: Material) -> str:
    """One number per line: integers, decimals or signed measurements, a style per document."""
    style = rng.choice(("{:d}", "{:.2f}", "{:+.4f}"))
    scale = rng.choice((100, 10_000, 10_000_000))
    values = (
        rng.uniform(-scale, scale) if "f" in style else rng.randrange(scale) for _ in range(rng.randint(200, 900))
    )
    return "\n".join(style.format(value) for value in values)


SEO_TOPICS = ("flights", "hotels", "car insurance", "loans", "shoes", "phones", "laptops", "vpn", "dating", "crypto")
SEO_WORDS = ("cheap", "best", "top", "free", "discount", "online", "near me", "reviews", "deals", "buy", "sale", "2024")


def keyword_list(rng: random.Random, material: Material) -> str:
    """Comma-separated search keywords, the lists pages stuff for search engines."""

    def keyword() -> str:
        topic, words = rng.choice(SEO_TOPICS), rng.sample(SEO_WORDS, rng.randint(1, 2))
        return " ".join([*words, topic] if rng.random() < 0.6 else [topic, *words])

    lines = [", ".join(keyword() for _ in range(rng.randint(8, 30))) for _ in range(rng.randint(3, 15))]
    return ("Tags: " if rng.random() < 0.5 else "") + "\n".join(lines)


def base64_blob(rng: random.Random, material: Material) -> str:
    encoded = base64.b64encode(rng.randbytes(rng.randint(2_000, 12_000))).decode()
    width = rng.choice((64, 76))
    return "\n".join(encoded[i : i + width] for i in range(0, len(encoded), width))


def hex_dump(rng: random.Random, material: Material) -> str:
    """Offsets, sixteen bytes in hex and their printable characters, as `xxd` shows a binary file."""
    data = rng.randbytes(16 * rng.randint(100, 500))
    lines = []
    for offset in range(0, len(data), 16):
        row = data[offset : offset + 16]
        in_hex = " ".join(row[i : i + 2].hex() for i in range(0, 16, 2))
        printable = "".join(chr(byte) if 32 <= byte < 127 else "." for byte in row)
        lines.append(f"{offset:08x}: {in_hex}  {printable}")
    return "\n".join(lines)


MENU_ITEMS = ("Home", "Products", "Services", "Blog", "About", "Careers", "Support", "Contact", "Login", "Cart")


def html_boilerplate(rng: random.Random, material: Material) -> str:
    """What is left of a web page without its content: navigation, cookie banners, tracking scripts, footers."""
    blocks = [_nav_menu, _cookie_banner, _tracking_script, _footer_links]
    return "\n".join(rng.choice(blocks)(rng) for _ in range(rng.randint(4, 16)))


def _nav_menu(rng: random.Random) -> str:
    items = rng.sample(MENU_ITEMS, rng.randint(4, len(MENU_ITEMS)))
    links = "\n".join(f'  <li><a href="/{item.lower()}">{item}</a></li>' for item in items)
    return f'<nav class="main-menu">\n<ul>\n{links}\n</ul>\n</nav>'


def _cookie_banner(rng: random.Random) -> str:
    return (
        '<div id="cookie-banner" class="banner">\n'
        "<p>We use cookies to improve your experience on our site. By continuing to browse you accept our use of "
        'cookies. <a href="/privacy">Learn more</a></p>\n'
        f'<button class="accept">{rng.choice(("Accept", "Accept all", "OK", "Got it"))}</button>\n</div>'
    )


def _tracking_script(rng: random.Random) -> str:
    tag = f"UA-{rng.randrange(10**7, 10**8)}-{rng.randint(1, 9)}"
    return (
        "<script>\nwindow.dataLayer = window.dataLayer || [];\n"
        "function track(){dataLayer.push(arguments);}\n"
        f"track('js', new Date());\ntrack('config', '{tag}');\n</script>\n"
        f'<script async src="https://cdn.example.com/analytics.js?id={tag}"></script>'
    )


def _footer_links(rng: random.Random) -> str:
    links = " | ".join(f'<a href="/{item.lower()}">{item}</a>' for item in rng.sample(MENU_ITEMS, 5))
    return f"<footer>\n<p>{links}</p>\n<p>&copy; {rng.randint(2009, 2024)} All rights reserved.</p>\n</footer>"


SPAM_TEMPLATES = (
    "Buy cheap {product} online.",
    "Best {product} deals in {city}.",
    "Order {product} today and save {percent}%.",
    "Where to buy {product} in {city}?",
    "Discount {product} with free delivery to {city}.",
    "Top rated {product} at the lowest price.",
)
PRODUCTS = ("sunglasses", "running shoes", "phone cases", "vitamins", "handbags", "headphones", "watches", "tyres")
CITIES = ("London", "Berlin", "Madrid", "Toronto", "Sydney", "Chicago", "Paris", "Warsaw", "Lisbon", "Moscow")


def templated_spam(rng: random.Random, material: Material) -> str:
    """One sentence template filled with products and places over and over: repeated n-grams, fresh words."""

    def filled() -> str:
        template = rng.choice(SPAM_TEMPLATES)
        return template.format(product=rng.choice(PRODUCTS), city=rng.choice(CITIES), percent=rng.randint(10, 90))

    return paragraphs_of(rng, filled, 8, 4)


KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")


def keyboard_mash(rng: random.Random, material: Material) -> str:
    """Runs along a keyboard row, and one key held down."""

    def token() -> str:
        if rng.random() < 0.3:
            return rng.choice("aeiouxz!?.") * rng.randint(5, 40)
        row = rng.choice(KEYBOARD_ROWS)
        start = rng.randrange(len(row) - 2)
        return row[start : rng.randint(start + 3, len(row))] * rng.randint(1, 3)

    return "\n".join(" ".join(token() for _ in range(rng.randint(3, 12))) for _ in range(rng.randint(30, 200)))


def link_list(rng: random.Random, material: Material) -> str:
    """A table of contents with page numbers, a menu bar of links, or a Markdown list of links."""
    titles = [" ".join(rng.choices(material.words, k=rng.randint(1, 4))).title() for _ in range(rng.randint(20, 120))]
    variation = rng.randrange(3)
    if variation == 0:
        pages = itertools.accumulate(rng.randint(1, 12) for _ in titles)
        sections = (f"{n // 5 + 1}.{n % 5 + 1}" for n in itertools.count())  # 1.1 to 1.5, 2.1 to 2.5, ...
        leaders = ("." * (60 - len(title) % 50) for title in titles)
        return "\n".join(" ".join(line) for line in zip(sections, titles, leaders, map(str, pages), strict=False))
    if variation == 1:
        return "\n".join(" | ".join(titles[i : i + 6]) for i in range(0, len(titles), 6))
    return "\n".join(f"* [{title}](https://example.org/{title.lower().replace(' ', '-')})" for title in titles)


JUNK_KINDS: dict[str, Callable[[random.Random, Material], str]] = {
    "repeated_spam_line": repeated_spam_line,
    "consonant_gibberish": consonant_gibberish,
    "word_salad": word_salad,
    "markov_text": markov_text,
    "lorem_ipsum": lorem_ipsum,
    "number_lines": number_lines,
    "keyword_list": keyword_list,
    "base64_blob": base64_blob,
    "hex_dump": hex_dump,
    "html_boilerplate": html_boilerplate,
    "templated_spam": templated_spam,
    "keyboard_mash": keyboard_mash,
    "link_list": link_list,
}
