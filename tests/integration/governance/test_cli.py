"""`polyphony propose`, `delegate` and `vote` as curators and holders run them: the real executable against the
API process `polyphony up` runs, with the chain worker relaying, and `--self` paying its own gas."""

import re
from pathlib import Path

from eth_account.signers.local import LocalAccount

from tests.integration.chain.governance_fixtures import new_wallet
from tests.integration.cli.test_contribute import polyphony
from tests.integration.governance.conftest import Governance, new_round


def _key_file(tmp_path: Path, wallet: LocalAccount) -> str:
    path = tmp_path / f"{wallet.address}.key"
    path.write_text("0x" + bytes(wallet.key).hex() + "\n")
    path.chmod(0o600)
    return str(path)


def test_holders_delegate_and_vote_relayed_or_with_their_own_gas(
    governance: Governance, api_process: None, tmp_path: Path
) -> None:
    supply = governance.supply()
    holders = governance.mint({"relayed": 3 * supply + 10**21, "own": supply + 10**21})
    keys = {name: _key_file(tmp_path, wallet) for name, wallet in holders.items()}
    delegated = polyphony("delegate", "--key-file", keys["relayed"])
    assert delegated.returncode == 0 and "relayed in 0x" in delegated.stdout, delegated.stdout + delegated.stderr
    assert polyphony("delegate", "--self", "--key-file", keys["own"]).returncode == 0

    curator = governance.curator()
    dataset = governance.dataset(curator.wallet.address)
    proposed = polyphony("propose", "--dataset", str(dataset.id), "--round", str(new_round()),
                         "--key-file", _key_file(tmp_path, curator.wallet))  # fmt: skip
    assert proposed.returncode == 0, proposed.stdout + proposed.stderr
    match = re.search(r"proposal (\d+) \(number (\d+)\)", proposed.stdout)
    assert match and dataset.manifest_cid in proposed.stdout
    proposal_id, number = match.groups()
    assert (
        f"follow it with GET /proposals/{proposal_id}" in proposed.stdout
        and "relayer is its proposer" in proposed.stdout
    )
    governance.until(lambda: governance.proposal(proposal_id), lambda p: p["state"] == "pending")

    governance.open_voting()
    voted = polyphony("vote", number, "for", "--key-file", keys["relayed"])
    assert voted.returncode == 0 and "relayed in 0x" in voted.stdout, voted.stdout + voted.stderr
    assert polyphony("vote", proposal_id, "against", "--self", "--key-file", keys["own"]).returncode == 0
    again = polyphony("vote", proposal_id, "for", "--key-file", keys["own"])
    assert again.returncode == 2 and "already voted" in again.stdout and len(again.stdout.strip().splitlines()) == 1
    votes = governance.proposal(proposal_id)["votes"]
    assert votes == {"for": str(3 * supply + 10**21), "against": str(supply + 10**21), "abstain": "0"}


def test_a_new_holder_delegates_before_holding_any_token_and_votes_with_what_arrives_later(
    governance: Governance, api_process: None, tmp_path: Path
) -> None:
    newcomer = new_wallet(governance.web3)
    delegated = polyphony("delegate", "--key-file", _key_file(tmp_path, newcomer))
    assert delegated.returncode == 0 and "relayed in 0x" in delegated.stdout, delegated.stdout + delegated.stderr
    assert governance.token.functions.delegates(newcomer.address).call() == newcomer.address
    assert int(governance.token.functions.getVotes(newcomer.address).call()) == 0

    governance.mint_to(newcomer.address, 7 * 10**18)
    assert int(governance.token.functions.getVotes(newcomer.address).call()) == 7 * 10**18


def test_a_vote_on_an_unknown_proposal_is_one_line_and_exit_2(
    governance: Governance, api_process: None, tmp_path: Path
) -> None:
    wallet = governance.mint({"holder": 1})["holder"]
    finished = polyphony("vote", "424242", "for", "--key-file", _key_file(tmp_path, wallet))
    assert finished.returncode == 2 and "proposal_not_found" in finished.stdout
    assert len(finished.stdout.strip().splitlines()) == 1
    not_an_id = polyphony("vote", "1/../../contributions", "for", "--key-file", _key_file(tmp_path, wallet))
    assert not_an_id.returncode != 0 and "is not a proposal id" in not_an_id.stdout + not_an_id.stderr
