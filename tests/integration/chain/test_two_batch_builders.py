"""Two chain workers (on two machines) building a claims batch at the same moment: the second never takes a claim
the first has just given to its batch. Were it to, the first batch would keep its root and count but lose its
claims, its manifest could never be pinned (its members no longer give its root), and anchoring would stop there.

The first builder is the test's own transaction, held open where a builder's transaction is just before its
commit: its batch written, its one claim given to it; a second claim came after the first builder read the waiting
ones. The second builder is `_build_batch` itself, in a process of its own on a database of the test's own (it
batches every waiting claim of its database, so it must see no other test's). Once the second waits for a row lock,
the first commits. PostgreSQL only: a SQLite database is one machine's, and its writers take turns anyway.
"""

import os
import secrets
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from chain.bindings import Deployment
from polyphony.migrations import upgrade_to_head
from polyphony.models.contribution import AnchorBatch, Contribution, ContributionStatus
from tests.integration.rewards.conftest import make_contribution

pytestmark = [pytest.mark.postgresql_only]

PROJECT = Path(__file__).resolve().parents[3]
LOCK_WAIT_S = 60.0

# The second builder: builds one batch from the waiting claims of its database; prints its id (or None).
BUILDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from chain.anchoring import _build_batch
    from chain.bindings import Deployment

    print(_build_batch(Deployment.from_json(Path(sys.argv[1]).read_text()), max_batch=1000))
    """
)


@pytest.fixture
def own_engine(own_database_url: str) -> Iterator[Engine]:
    engine = create_engine(own_database_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


def test_a_second_builder_leaves_the_first_builders_claims_to_its_batch(
    own_engine: Engine, own_database_url: str, deployment: Deployment, tmp_path: Path
) -> None:
    with Session(own_engine) as session:
        first, second = _claimed(session), _claimed(session)
        first_id, second_id = first.id, second.id
        session.commit()
    deployment_file = tmp_path / "deployment.json"
    deployment_file.write_text(deployment.to_json())

    with Session(own_engine) as builder:
        batch = AnchorBatch(
            root="0x" + "ab" * 32, count=1, chain_id=deployment.chain_id,
            registry_address=deployment.contracts["provenanceRegistry"].address,
        )  # fmt: skip
        builder.add(batch)
        builder.flush()
        batch_id = batch.id
        builder.exec(update(Contribution).where(col(Contribution.id) == first_id).values(batch_id=batch_id))
        second_builder = subprocess.Popen(
            [sys.executable, "-c", BUILDER, str(deployment_file)], cwd=PROJECT, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env={**os.environ, "DATABASE_URL": own_database_url},
        )  # fmt: skip
        _wait_until_a_backend_waits_for_a_lock(own_engine, second_builder)
        builder.commit()
    output = second_builder.communicate(timeout=60)[0].decode()
    assert second_builder.returncode == 0, output

    with Session(own_engine) as session:
        batch_of = dict(session.exec(select(Contribution.id, Contribution.batch_id)).all())
        batches = session.exec(select(AnchorBatch)).all()
    assert batch_of[first_id] == batch_id, "the second builder took a claim of the first builder's batch"
    built = int(output.strip().splitlines()[-1])
    assert batch_of[second_id] == built and built != batch_id
    assert {batch.id: batch.count for batch in batches} == {batch_id: 1, built: 1}


def _claimed(session: Session) -> Contribution:
    contributor = Account.create().address
    return make_contribution(
        session, contributor=contributor, status=ContributionStatus.CLAIMED, sha256=secrets.token_hex(32)
    )


def _wait_until_a_backend_waits_for_a_lock(engine: Engine, process: subprocess.Popen[bytes]) -> None:
    """Until the second builder's transaction waits for a row lock the first builder holds."""
    deadline = time.monotonic() + LOCK_WAIT_S
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while True:
        with engine.connect() as connection:
            if connection.execute(waiting).scalar_one():
                return
        assert process.poll() is None, process.communicate()[0].decode()
        assert time.monotonic() < deadline, "the second builder never waited for the first's lock"
        time.sleep(0.1)
