"""`polyphony epoch close`, `polyphony rewards` and `polyphony claim` (`polyphony verify epoch <n>` is in
cli/verify.py).

`epoch close` is the operator's: it closes the next epoch on this machine's database and storage, and the chain
worker proposes its root. `rewards` and `claim` are anyone's: they speak to the API and the chain only.
Amounts are shown as tokens (`polyphony/tokens.py`); the API's JSON keeps base units.
Exit codes: 0 done; 1 a claim was refused; 2 anything else, with one line saying why.
"""

import time
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from sqlmodel import select

from chain.bindings import read_deployment
from chain.client import connect, rpc_errors
from chain.tx import Call
from cli.client import PolyphonyClient
from cli.command import (
    ApiOption,
    CommandFailed,
    api_url,
    console,
    one_line_errors,
)
from cli.keys import KeyOption, KeystoreOption, PasswordFileOption, load_wallet
from cli.sending import send_from_wallet
from governance.rewards.epochs import EpochPolicy, close_epoch
from polyphony.clock import utcnow
from polyphony.db import session_scope
from polyphony.models.epoch import Epoch, EpochStatus
from polyphony.settings import get_settings
from polyphony.storage import storage_from_settings
from polyphony.tokens import format_tokens

epoch_app = typer.Typer(help="Reward epochs: close the next one (operator).", no_args_is_help=True)


@epoch_app.command("close")
def close(wait: Annotated[float, typer.Option(help="Seconds to wait for its root to be proposed.")] = 60.0) -> None:
    """Close the next epoch now: split the budget over what was scored, pin the report, propose the root."""
    settings = get_settings()
    with one_line_errors(), rpc_errors(settings.effective_chain_rpc_url):
        web3 = connect(settings.effective_chain_rpc_url)
        deployment = read_deployment(settings.deployments_dir, web3.eth.chain_id)
        if deployment is None:
            raise CommandFailed("the contracts are not deployed on this chain: run `polyphony deploy` first")
        epoch = close_epoch(
            cutoff=utcnow(), policy=EpochPolicy.of(settings), deployment=deployment,
            storage=storage_from_settings(settings), web3=web3,
        )  # fmt: skip
        # The distributor's own delay: the setting is read once, at deploy, and may have changed since.
        delay = int(deployment.bind(web3, "rewardsDistributor").functions.challengeDelay().call())
    if epoch is None:
        console.print("nothing to pay: no contribution got its verdict since the last epoch")
        return
    console.print(
        f"epoch {epoch.number}: {epoch.contribution_count} contributions, {format_tokens(int(epoch.allocated))} "
        "allocated"
    )
    console.print(f"root {epoch.root}, report {epoch.report_cid}")
    status = _wait_for_proposal(epoch.number, timeout_s=wait)
    console.print(f"status: {status} (the keeper activates it after the challenge delay, {delay} s; claim after that)")


def _wait_for_proposal(number: int, *, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    with console.status("waiting for the chain worker to propose the root"):
        while True:
            with session_scope() as session:
                status = session.exec(select(Epoch.status).where(Epoch.number == number)).one()
            if status != EpochStatus.COMPUTED or time.monotonic() > deadline:
                return str(status)
            time.sleep(0.5)


def rewards(
    address: Annotated[str, typer.Argument(metavar="ADDRESS", help="The account (0x address).")],
    api: ApiOption = None,
) -> None:
    """Show what ADDRESS earned, claimed and can claim now, and what is on its way from an epoch not yet active."""
    with one_line_errors(), PolyphonyClient(api_url(api)) as client:
        standing = client.call("GET", f"/rewards/{address}")
    epoch = f"epoch {standing['epoch']}" if standing["epoch"] is not None else "no active epoch yet"
    console.print(f"{standing['account']} ({epoch})")
    for name in ("claimable", "cumulative", "claimed"):
        console.print(f"  {'earned' if name == 'cumulative' else name:9}  {format_tokens(int(standing[name]))}")
    if int(standing["pending"]) > 0:
        console.print(f"  pending    {_on_its_way(standing)}")


def _on_its_way(standing: dict[str, Any]) -> str:
    """The pending amount, its epoch and from when a claim pays it."""
    when = (
        "once its root is proposed and has waited out the challenge delay" if standing["claimable_at"] is None
        else f"from {datetime.fromtimestamp(standing['claimable_at'], UTC):%Y-%m-%d %H:%M:%S} UTC (chain time)"
    )  # fmt: skip
    return f"{format_tokens(int(standing['pending']))} from epoch {standing['pending_epoch']}, claimable {when}"


def claim(
    api: ApiOption = None,
    key_file: KeyOption = None,
    keystore: KeystoreOption = None,
    password_file: PasswordFileOption = None,
    account: Annotated[
        str | None, typer.Option(help="Claim for this address (relayed only); default: your key's.")
    ] = None,
    pay_gas: Annotated[bool, typer.Option("--self", help="Send the claim yourself, paying the gas.")] = False,
    wait: Annotated[float, typer.Option(help="Seconds to wait for the relayed claim to be mined.")] = 120.0,
) -> None:
    """Claim your rewards: relayed by the backend (no gas) by default, or sent by your own key with --self."""
    with one_line_errors(), PolyphonyClient(api_url(api)) as client:
        if pay_gas:
            _claim_yourself(client, load_wallet(key_file, keystore, password_file))
            return
        account = account or load_wallet(key_file, keystore, password_file).address
        claimed = client.call("POST", "/rewards/claims", json={"account": account})
        claimed = _follow(client, claimed, timeout_s=wait)
    console.print(
        f"claim {claimed['id']} for {claimed['account']}: {format_tokens(int(claimed['amount']))}, {claimed['status']}"
    )
    if claimed["status"] == "mined":
        console.print(f"transaction {claimed['tx_hash']} (gas paid by the relayer)")
    elif claimed["status"] == "refused":
        console.print(f"[red]refused:[/] {claimed['reason']}")
        raise typer.Exit(1)


def _follow(client: PolyphonyClient, claimed: dict[str, Any], *, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    with console.status("waiting for the relayer to send the claim"):
        while claimed["status"] == "queued" and time.monotonic() < deadline:
            time.sleep(0.5)
            claimed = client.call("GET", claimed["follow"])
    return claimed


def _claim_yourself(client: PolyphonyClient, wallet: LocalAccount) -> None:
    standing = client.call("GET", f"/rewards/{wallet.address}")
    if int(standing["claimable"]) == 0:
        earned = f"{format_tokens(int(standing['cumulative']))} earned, all claimed"
        if int(standing["pending"]) > 0:
            raise CommandFailed(f"{wallet.address} has nothing to claim yet ({earned}): {_on_its_way(standing)}")
        raise CommandFailed(f"{wallet.address} has nothing to claim ({earned})")
    settings = get_settings()
    with rpc_errors(settings.effective_chain_rpc_url):
        web3 = connect(settings.effective_chain_rpc_url)
        deployment = read_deployment(settings.deployments_dir, web3.eth.chain_id)
        if deployment is None:
            raise CommandFailed("no deployment of the contracts is recorded for this chain")
        distributor = deployment.bind(web3, "rewardsDistributor")
        proof = [HexBytes(node) for node in standing["proof"]]
        data = distributor.encode_abi("claim", args=[wallet.address, int(standing["cumulative"]), proof])
        tx_hash = send_from_wallet(web3, wallet, Call(distributor.address, bytes.fromhex(data[2:])), what="claim")
    console.print(f"claimed {format_tokens(int(standing['claimable']))} in {tx_hash}")
