"""The reward token as a person reads it: `100,000 PLY`, not `100000000000000000000000`.

`PolyphonyToken` is OpenZeppelin's ERC20 named "Polyphony" with the symbol "PLY" and its default 18 decimals
(chain/contracts/PolyphonyToken.sol). JSON keeps base units as decimal strings, exact for any uint256; every
line a person reads (CLI output, error messages, the README) shows tokens through `format_tokens`.
"""

SYMBOL = "PLY"
DECIMALS = 18


def format_tokens(base_units: int) -> str:
    """`base_units` as tokens with the symbol: whole tokens grouped by thousands, the exact fraction, no rounding."""
    whole, fraction = divmod(abs(base_units), 10**DECIMALS)
    digits = f"{fraction:0{DECIMALS}d}".rstrip("0")
    sign = "-" if base_units < 0 else ""
    return f"{sign}{whole:,}{'.' + digits if digits else ''} {SYMBOL}"
