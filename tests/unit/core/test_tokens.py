"""Token amounts as a person reads them: grouped by thousands, at most four decimals cut (never rounded up), with
the symbol."""

import re
from pathlib import Path

import pytest

from polyphony.tokens import DECIMALS, SYMBOL, format_tokens

TOKEN_SOURCE = Path(__file__).parents[3] / "chain" / "contracts" / "PolyphonyToken.sol"


@pytest.mark.parametrize(
    ("base_units", "shown"),
    [
        (0, "0 PLY"),
        (10**18, "1 PLY"),
        (100_000 * 10**18, "100,000 PLY"),
        (1_000_000 * 10**18, "1,000,000 PLY"),
        (15 * 10**17, "1.5 PLY"),
        (1, "<0.0001 PLY"),
        (10**14, "0.0001 PLY"),
        (1234 * 10**18 + 5 * 10**15, "1,234.005 PLY"),
        (219_025_496_161_200_540_021_050_000, "219,025,496.1612 PLY"),
        (9_999 * 10**14 + 9 * 10**13, "0.9999 PLY"),  # 0.99999: cut, not rounded up
        (-(10**12), "-<0.0001 PLY"),
        (-2 * 10**18, "-2 PLY"),
        (
            2**256 - 1,
            "115,792,089,237,316,195,423,570,985,008,687,907,853,269,984,665,640,564,039,457.584 PLY",
        ),
    ],
)
def test_an_amount_in_base_units_reads_as_tokens(base_units: int, shown: str) -> None:
    assert format_tokens(base_units) == shown


def test_the_symbol_and_decimals_are_the_token_contracts() -> None:
    source = TOKEN_SOURCE.read_text()
    assert re.search(rf'ERC20\("Polyphony", "{SYMBOL}"\)', source)
    # OpenZeppelin's ERC20 has 18 decimals unless the token overrides decimals(); ours does not.
    assert "function decimals" not in source and DECIMALS == 18
