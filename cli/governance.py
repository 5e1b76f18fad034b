"""`polyphony propose`, `polyphony delegate` and `polyphony vote`: what curators and token holders do.

(`polyphony demand propose`, in demand.py, makes its proposal the same way.)

Each is relayed by default: the wallet signs, the API checks and pays the gas. With `--self` the wallet sends
its own transaction to the chain node (`--rpc`, default the configured one) and pays its own gas. Before
signing anything the API offers, the command checks it is exactly what was asked for.
Exit codes: 0 done; 2 anything else (arguments, key, an unreachable or refusing API or node).
"""

import time
from typing import Annotated, Any, Literal

import typer
from eth_account.signers.local import LocalAccount
from rich.markup import escape
from web3 import Web3

from chain.bindings import load_artifact
from chain.client import connect, rpc_errors
from chain.tx import Call
from cli.client import PolyphonyClient
from cli.command import (
    ApiOption,
    CommandFailed,
    SafeOption,
    api_url,
    check_offer,
    console,
    one_line_errors,
    safe_address,
)
from cli.keys import KeyOption, KeystoreOption, PasswordFileOption, load_wallet
from cli.sending import send_from_wallet
from polyphony.settings import get_settings

RELAY_WAIT_S = 120.0

SelfOption = Annotated[bool, typer.Option("--self", help="Send the transaction from your wallet and pay its gas.")]
RpcOption = Annotated[str | None, typer.Option("--rpc", help="Chain node for --self; default: CHAIN_RPC_URL.")]


def propose(
    dataset: Annotated[int, typer.Option("--dataset", help="The dataset id (yours: you curated it).")],
    round_number: Annotated[int, typer.Option("--round", help="The training round to approve it for.")],
    own: SelfOption = False, key_file: KeyOption = None, keystore: KeystoreOption = None,
    password_file: PasswordFileOption = None, api: ApiOption = None, rpc: RpcOption = None,
) -> None:  # fmt: skip
    """Propose your dataset for a training round: a governor proposal whose action approves it on-chain."""
    with (
        one_line_errors(),
        PolyphonyClient(api_url(api), load_wallet(key_file, keystore, password_file)) as client,
    ):
        client.sign_in()
        body = {"dataset_id": dataset, "round": round_number, "relay": not own}
        proposal: dict[str, Any] = client.call("POST", "/proposals", json=body)
        if own:
            send_proposal_from_wallet(rpc, client.wallet, proposal)
        console.print(f"proposal [bold]{proposal['id']}[/] (number {proposal['number']}): {escape(_title(proposal))}")
        follow = f"follow it with GET /proposals/{proposal['id']}"
        console.print(
            f"submitted from your wallet, so you are its proposer on-chain; {follow}" if own
            else f"the relayer submits it, so the relayer is its proposer on-chain (`--self` to be it); {follow}"
        )  # fmt: skip


def delegate(
    to: Annotated[str | None, typer.Option("--to", help="Who votes with your tokens; default: yourself.")] = None,
    own: SelfOption = False, key_file: KeyOption = None, keystore: KeystoreOption = None,
    password_file: PasswordFileOption = None, api: ApiOption = None, rpc: RpcOption = None,
) -> None:  # fmt: skip
    """Delegate your voting power (to yourself by default): tokens vote only once delegated."""
    with (
        one_line_errors(),
        PolyphonyClient(api_url(api), load_wallet(key_file, keystore, password_file)) as client,
    ):
        delegatee = Web3.to_checksum_address(to) if to and Web3.is_address(to) else _no_address(to, client)
        query = {"delegator": client.wallet.address, "delegatee": delegatee}
        typed: dict[str, Any] = client.call("GET", "/delegations/typed-data", params=query)
        check_offer(typed, "Delegation", {"delegatee": delegatee})
        if own:
            token = _contract(rpc, "PolyphonyToken", typed["domain"]["verifyingContract"])
            _send_own(rpc, client.wallet, Call(token.address, _data(token, "delegate", delegatee)), what="delegate")
            console.print(f"delegated to {delegatee} from your wallet")
            return
        message = typed["message"]
        body = {"delegator": client.wallet.address, "delegatee": delegatee, "nonce": int(message["nonce"]),
                "expiry": int(message["expiry"]), "signature": _sign(client.wallet, typed)}  # fmt: skip
        accepted = client.call("POST", "/delegations", json=body)
        relayed = _until_relayed(client, f"/delegations/{accepted['id']}")
        console.print(f"delegated to {delegatee}, relayed in {relayed['tx_hash']}")


def vote(
    proposal: Annotated[str, typer.Argument(help="The proposal id (or its short number).")],
    support: Annotated[Literal["for", "against", "abstain"], typer.Argument(help="for, against or abstain.")],
    own: SelfOption = False, key_file: KeyOption = None, keystore: KeystoreOption = None,
    password_file: PasswordFileOption = None, api: ApiOption = None, rpc: RpcOption = None,
    safe: SafeOption = None,
) -> None:  # fmt: skip
    """Vote on a proposal with the votes you (or the Safe you own, --safe) held, delegated, at its snapshot."""
    with (
        one_line_errors(),
        PolyphonyClient(
            api_url(api), load_wallet(key_file, keystore, password_file), safe=safe_address(safe)
        ) as client,
    ):
        if not (proposal.isascii() and proposal.isdigit()):  # it goes into a URL path: nothing but digits
            raise CommandFailed(f"{proposal!r} is not a proposal id: give its id or short number (digits only)")
        found: dict[str, Any] = client.call("GET", f"/proposals/{proposal}")
        if own and client.safe is not None:
            raise CommandFailed("a Safe sends its own transactions through its owners: vote without --self")
        if own:
            governor = _contract(rpc, "PolyphonyGovernor", found["governor"])
            number = {"against": 0, "for": 1, "abstain": 2}[support]
            call = Call(governor.address, _data(governor, "castVote", int(found["id"]), number))
            _send_own(rpc, client.wallet, call, what="castVote")
            console.print(f"voted {support} on proposal {found['id']} from your wallet")
            return
        query = {"voter": client.address, "support": support}
        typed: dict[str, Any] = client.call("GET", f"/proposals/{found['id']}/ballot", params=query)
        check_offer(typed, "Ballot", {"proposalId": found["id"], "voter": client.address,
                                       "support": {"against": 0, "for": 1, "abstain": 2}[support]})  # fmt: skip
        body = {"voter": client.address, "support": support, "signature": "0x" + client.sign_typed(typed).hex(),
                "nonce": int(typed["message"]["nonce"])}  # fmt: skip
        accepted = client.call("POST", f"/proposals/{found['id']}/votes", json=body)
        ballots = f"/proposals/{found['id']}/votes"
        relayed = _until_relayed(client, ballots, row_id=int(accepted["id"]))
        console.print(f"voted {support} on proposal {found['id']}, relayed in {relayed['tx_hash']}")


def send_proposal_from_wallet(rpc: str | None, wallet: LocalAccount, proposal: dict[str, Any]) -> str:
    """Send the governor's `propose` of `proposal` (as the API recorded it) from `wallet`; the tx hash."""
    governor = _contract(rpc, "PolyphonyGovernor", proposal["governor"])
    actions = proposal["actions"]
    args = (
        [action["target"] for action in actions], [int(action["value"]) for action in actions],
        [bytes.fromhex(action["calldata"][2:]) for action in actions],
    )  # fmt: skip
    call = Call(governor.address, _data(governor, "propose", *args, proposal["description"]))
    return _send_own(rpc, wallet, call, what="propose")


def _no_address(to: str | None, client: PolyphonyClient) -> str:
    if to is None:
        return client.wallet.address
    raise CommandFailed(f"--to {to!r} is not an address (0x and 40 hex digits)")


def _sign(wallet: LocalAccount, typed: dict[str, Any]) -> str:
    return "0x" + bytes(wallet.sign_typed_data(full_message=typed).signature).hex()


def _until_relayed(client: PolyphonyClient, path: str, *, row_id: int | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + RELAY_WAIT_S
    while time.monotonic() < deadline:
        row: dict[str, Any] = (
            client.call("GET", path) if row_id is None else next(b for b in client.every(path) if b["id"] == row_id)
        )
        if row["status"] == "mined":
            return row
        if row["status"] == "failed":
            raise CommandFailed(f"the chain refused the relayed transaction: {row['error']}")
        time.sleep(0.5)
    raise CommandFailed(f"accepted, but not relayed within {RELAY_WAIT_S:g} s: is the chain worker running?")


def _title(proposal: dict[str, Any]) -> str:
    return (str(proposal["description"]).splitlines() or [""])[0].lstrip("# ")


def _web3(rpc: str | None) -> Web3:
    return connect(rpc or get_settings().effective_chain_rpc_url)


def _contract(rpc: str | None, artifact: str, address: str) -> Any:
    return _web3(rpc).eth.contract(address=Web3.to_checksum_address(address), abi=load_artifact(artifact).abi)


def _data(contract: Any, function: str, *args: Any) -> bytes:
    return bytes.fromhex(contract.encode_abi(function, args=list(args))[2:])


def _send_own(rpc: str | None, wallet: LocalAccount, call: Call, *, what: str) -> str:
    """Sign `call` with the user's wallet, send it, wait for it; raise with the node's reason if it fails."""
    with rpc_errors(rpc or get_settings().effective_chain_rpc_url):
        return send_from_wallet(_web3(rpc), wallet, call, what=what)
