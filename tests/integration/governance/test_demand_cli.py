"""`polyphony demand show` and `polyphony demand propose` as holders run them: the real executable against the API
process `polyphony up` runs, relayed or sent from the proposer's own wallet."""

import os
import re
from pathlib import Path

from tests.integration.cli.test_contribute import polyphony
from tests.integration.governance.conftest import Governance
from tests.integration.governance.test_cli import _key_file


def test_a_holder_proposes_a_topic_and_its_multiplier_relayed_or_from_their_wallet(
    governance: Governance, api_process: None, tmp_path: Path
) -> None:
    proposer = governance.curator()
    key = _key_file(tmp_path, proposer.wallet)
    topic = f"river-ecology-{os.urandom(3).hex()}"
    relayed = polyphony("demand", "propose", "--add-topic", topic, "--topic", topic, "--bps", "13000",
                        "--not-after", "2030-01-01T00:00:00", "--key-file", key)  # fmt: skip
    assert relayed.returncode == 0, relayed.stdout + relayed.stderr
    assert f"Add the topic '{topic}'" in relayed.stdout
    assert f"Set the topic multiplier for '{topic}' to 1.3x (13000 bps) until 2030-01-01T00:00:00+00:00" in (
        relayed.stdout.replace("\n", " ")
    )
    match = re.search(r"proposal (\d+) \(number (\d+)\); the relayer submits it", relayed.stdout)
    assert match, relayed.stdout
    found = governance.until(lambda: governance.proposal(match[1]), lambda p: p["state"] != "unsubmitted")
    assert (found["kind"], found["state"]) == ("demand", "pending")

    own = polyphony("demand", "propose", "--language", "eu", "--bps", "14000", "--self", "--key-file", key)
    assert own.returncode == 0, own.stdout + own.stderr
    own_id = re.search(r"proposal (\d+) ", own.stdout)
    assert own_id and "your wallet sent it" in own.stdout
    assert governance.proposal(own_id[1])["proposer"] == proposer.wallet.address


def test_demand_show_prints_the_multipliers_topics_and_review(governance: Governance, api_process: None) -> None:
    shown = polyphony("demand", "show")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "topics:" in shown.stdout and "review: reviewers need" in shown.stdout


def test_a_demand_proposal_the_registry_would_refuse_is_one_line_and_exit_2(
    governance: Governance, api_process: None, tmp_path: Path
) -> None:
    key = _key_file(tmp_path, governance.curator().wallet)
    for arguments, says in (
        (("--language", "fr", "--bps", "40000"), "5000 to 30000 bps"),
        (("--language", "fr"), "with --bps"),
        (("--language", "fr", "--modality", "text", "--bps", "12000"), "one multiplier per command"),
        (("--language", "fr", "--bps", "12000", "--not-after", "next week"), "neither a Unix time"),
        ((), "changes something"),
    ):
        refused = polyphony("demand", "propose", *arguments, "--key-file", key)
        assert refused.returncode == 2 and says in refused.stdout, refused.stdout + refused.stderr
        assert len(refused.stdout.strip().splitlines()) == 1, refused.stdout
