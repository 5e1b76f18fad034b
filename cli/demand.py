"""`polyphony demand show` and `polyphony demand propose`: what data is in demand, and a vote to change it.

`propose` asks the API for a proposal whose actions are the timelock's calls on the demand registry (the API
checks each change against the registry first); relayed by default, or with `--self` sent from your wallet.
Exit codes: 0 done; 2 anything else (arguments, key, an unreachable or refusing API or node).
"""

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from cli.client import PolyphonyClient
from cli.command import ApiOption, CommandFailed, api_url, console, one_line_errors
from cli.governance import RpcOption, SelfOption, send_proposal_from_wallet
from cli.keys import KeyOption, KeystoreOption, PasswordFileOption, load_wallet
from polyphony.tokens import format_tokens

demand_app = typer.Typer(help="What data is in demand, and proposals to change it.", no_args_is_help=True)

_DIMENSIONS = ("language", "modality", "license", "topic")
BpsOption = Annotated[int | None, typer.Option("--bps", help="The multiplier in bps: 15000 is 1.5x.")]
WhenOption = Annotated[str | None, typer.Option(help="A Unix time or an ISO 8601 UTC time (2027-01-31T00:00:00).")]


@demand_app.command("show")
def show(api: ApiOption = None) -> None:
    """Print every multiplier (in force now, or scheduled), the topics and the review parameters."""
    with one_line_errors(), PolyphonyClient(api_url(api)) as client:
        demand: dict[str, Any] = client.call("GET", "/demand")
    table = Table("dimension", "value", "multiplier", "from", "until", "now", title="demand multipliers")
    for m in demand["multipliers"]:
        table.add_row(
            m["dimension"], escape(m["value"]), f"{m['bps'] / 10_000:g}x ({m['bps']} bps)", _when(m["not_before"]),
            _when(m["not_after"]), "in force" if m["in_force"] else "not in force",
        )  # fmt: skip
    console.print(table if demand["multipliers"] else "no multipliers: every contribution weighs 1x")
    console.print(f"topics: {escape(', '.join(demand['topics'])) or 'none'}")
    review = demand["review"]
    console.print(
        f"review: reviewers need {format_tokens(int(review['reviewer_min_votes']))} of delegated votes and share "
        f"{review['reviewer_share_bps']} bps of the budget; credibility {review['credibility_floor_bps']} to "
        f"{review['credibility_ceiling_bps']} bps"
    )


@demand_app.command("propose")
def propose(
    language: Annotated[str | None, typer.Option(help="Set the multiplier of this language (with --bps).")] = None,
    modality: Annotated[str | None, typer.Option(help="... of this modality: text, tabular, image.")] = None,
    license_id: Annotated[str | None, typer.Option("--license", help="... of this SPDX license id.")] = None,
    topic: Annotated[str | None, typer.Option(help="... of this topic (listed, or added with --add-topic).")] = None,
    bps: BpsOption = None, not_before: WhenOption = None, not_after: WhenOption = None,
    clear: Annotated[bool, typer.Option("--clear", help="Clear that multiplier instead (back to 1x).")] = False,
    add_topic: Annotated[list[str] | None, typer.Option(help="Put a topic on the list (repeatable).")] = None,
    remove_topic: Annotated[list[str] | None, typer.Option(help="Take a topic off the list (repeatable).")] = None,
    own: SelfOption = False, key_file: KeyOption = None, keystore: KeystoreOption = None,
    password_file: PasswordFileOption = None, api: ApiOption = None, rpc: RpcOption = None,
) -> None:  # fmt: skip
    """Propose a demand change: a multiplier set or cleared, topics added or removed; one proposal for all."""
    with one_line_errors():
        body: dict[str, Any] = {"add_topics": add_topic or [], "remove_topics": remove_topic or [], "relay": not own}
        chosen = _chosen_value(language=language, modality=modality, license_id=license_id, topic=topic)
        if chosen is not None:
            body.update(_multiplier_change(chosen, bps=bps, clear=clear, not_before=not_before, not_after=not_after))
        elif bps is not None or clear:
            raise CommandFailed("--bps and --clear need the value they are for: --language, --modality, ...")
        with PolyphonyClient(api_url(api), load_wallet(key_file, keystore, password_file)) as client:
            client.sign_in()
            proposal: dict[str, Any] = client.call("POST", "/proposals/demand", json=body)
            if own:
                send_proposal_from_wallet(rpc, client.wallet, proposal)
    for action in proposal["actions"]:
        console.print(f"  {escape(action['says'] or action['function'] or '')}")
    who = "your wallet sent it" if own else "the relayer submits it"
    console.print(f"proposal [bold]{proposal['id']}[/] (number {proposal['number']}); {who}; follow it with "
                  f"GET /proposals/{proposal['id']}, vote with `polyphony vote {proposal['number']} for`")  # fmt: skip


def _chosen_value(**values: str | None) -> tuple[str, str] | None:
    given = [(name, value) for name, value in values.items() if value is not None]
    if len(given) > 1:
        raise CommandFailed("one multiplier per command: give one of --language, --modality, --license, --topic")
    if not given:
        return None
    name, value = given[0]
    return ("license" if name == "license_id" else name), value


def _multiplier_change(
    chosen: tuple[str, str], *, bps: int | None, clear: bool, not_before: str | None, not_after: str | None
) -> dict[str, Any]:
    dimension, value = chosen
    if clear:
        if bps is not None or not_before or not_after:
            raise CommandFailed("--clear takes no --bps, --not-before or --not-after")
        return {"clear": [{"dimension": dimension, "value": value}]}
    if bps is None:
        raise CommandFailed(f"give the multiplier of {dimension} {value!r} with --bps (15000 is 1.5x), or --clear")
    window = {"not_before": _unix(not_before, "--not-before"), "not_after": _unix(not_after, "--not-after")}
    return {"set": [{"dimension": dimension, "value": value, "bps": bps, **window}]}


def _unix(when: str | None, option: str) -> int:
    if not when:
        return 0
    if when.isascii() and when.isdigit():
        return int(when)
    try:
        parsed = datetime.fromisoformat(when)
    except ValueError:
        raise CommandFailed(f"{option} {when!r} is neither a Unix time nor an ISO 8601 time") from None
    return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp())


def _when(timestamp: int) -> str:
    return "-" if timestamp == 0 else datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")
