"""A JavaScript client, as a browser wallet app would be, against the real API process and chain worker.

`tests/support/js_client.mjs` uses only ethers 6 and the npm `siwe` package (pinned in package-lock.json): it
signs in with an EIP-4361 message `siwe` builds, uploads, signs the claim, a delegation and a ballot from the
typed data the API serves (handed to ethers' `signTypedData` as served, less `EIP712Domain`), and hands them in.
Any field served in a form a wallet reads differently from eth-account makes the API refuse the signature.
"""

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from polyphony.settings import Settings
from tests.integration.chain.governance_fixtures import new_wallet
from tests.integration.governance.conftest import Governance, new_round

REPO_DIR = Path(__file__).resolve().parents[3]
CLIENT = REPO_DIR / "tests" / "support" / "js_client.mjs"
TEXT = "\n".join(
    json.dumps({"text": f"Record {n}: the river floods every spring, and the town keeps its boats on the hill."})
    for n in range(3)
)


def _js(settings: Settings, key: bytes, step: str, *args: str) -> dict[str, Any]:
    command = ["node", str(CLIENT), step, settings.effective_public_url, settings.effective_chain_rpc_url, *args]
    environment = {**os.environ, "JS_CLIENT_PRIVATE_KEY": "0x" + key.hex()}
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=REPO_DIR, env=environment, timeout=180, check=False
    )
    failed = done.returncode != 0
    assert not failed, done.stdout + done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def test_a_javascript_wallet_signs_in_uploads_claims_delegates_and_votes_by_signature(
    governance: Governance, api_process: None, settings: Settings, tmp_path: Path
) -> None:
    wallet = new_wallet(governance.web3)
    key = bytes(wallet.key)
    upload = tmp_path / "river.jsonl"
    upload.write_text(TEXT + "\n")

    contributed = _js(settings, key, "contribute", str(upload))
    assert contributed["signed_in_as"] == wallet.address and contributed["primary_type"] == "ContributionClaim"
    assert (
        contributed["claimed"]["status"] == "claimed" and contributed["claimed"]["id"] == contributed["uploaded"]["id"]
    )

    amount = 10**21
    governance.mint_to(wallet.address, amount)
    delegated = _js(settings, key, "delegate", wallet.address)
    assert delegated["status"] == "mined", delegated
    assert governance.token.functions.delegates(wallet.address).call() == wallet.address

    curator = governance.curator()
    dataset = governance.dataset(curator.wallet.address)
    proposal = governance.propose(curator, int(dataset.id or 0), new_round())
    governance.open_voting()
    voted = _js(settings, key, "vote", proposal["id"], "for")
    assert voted["status"] == "mined" and voted["offered_proposal_id"] == proposal["id"], voted
    assert int(proposal["id"]) > 2**53  # the id a JSON number would have rounded, signed exactly
    assert governance.proposal(proposal["id"])["votes"]["for"] == str(amount)
