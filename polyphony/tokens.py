"""The reward token as a person reads it: `100,000 PLY`, not `100000000000000000000000`.

`PolyphonyToken` is OpenZeppelin's ERC20 named "Polyphony" with the symbol "PLY" and its default 18 decimals
(chain/contracts/PolyphonyToken.sol). JSON keeps base units as decimal strings, exact for any uint256; every
line a person reads (CLI output, error messages, the README) shows tokens through `format_tokens`.
"""

SYMBOL = "PLY"
DECIMALS = 18
SHOWN_DECIMALS = 4  # as wallets show balances; the exact amount stays in the JSON


def format_tokens(base_units: int) -> str:
    """`base_units` as tokens with the symbol: whole tokens grouped by thousands and at most four decimals,
    cut, never rounded up (a person never reads more than is there); an amount too small to show is `<0.0001`."""
    whole, fraction = divmod(abs(base_units), 10**DECIMALS)
    shown = fraction // 10 ** (DECIMALS - SHOWN_DECIMALS)
    sign = "-" if base_units < 0 else ""
    if whole == 0 and shown == 0 and fraction:
        return f"{sign}<0.{'0' * (SHOWN_DECIMALS - 1)}1 {SYMBOL}"
    digits = f"{shown:0{SHOWN_DECIMALS}d}".rstrip("0")
    return f"{sign}{whole:,}{'.' + digits if digits else ''} {SYMBOL}"
