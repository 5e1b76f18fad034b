"""Alembic builds the schema on the configured database (SQLite, or PostgreSQL in CI), and takes it back."""

import os

from alembic import command
from sqlalchemy import JSON, column, inspect, select, table
from sqlalchemy.engine import Connection, Engine

from polyphony.clock import utcnow
from polyphony.migrations import alembic_config, upgrade_to_head
from polyphony.models.contribution import Contribution
from polyphony.models.dataset import Dataset
from polyphony.models.epoch import Epoch, EpochReward
from polyphony.models.proposal import RelayedBallot
from polyphony.models.score import ContributionScore


def test_head_has_the_outbox_table_and_matches_the_models(engine: Engine) -> None:
    assert "pending_job" in inspect(engine).get_table_names()
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.check(config)  # raises when the models have changes no migration holds


def test_downgrade_to_base_and_back_to_head(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        assert "pending_job" not in inspect(connection).get_table_names()
    upgrade_to_head(engine)
    assert "pending_job" in inspect(engine).get_table_names()


def test_pending_jobs_under_an_old_task_name_carry_the_new_name_after_the_upgrade(engine: Engine) -> None:
    config = alembic_config()
    outbox = table("pending_job", column("id"), column("task"), column("task_id"), column("arguments", JSON),
                   column("created_at"))  # fmt: skip
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
        connection.execute(outbox.insert().values(
            task="chain.relay_claim", task_id="renamed-task-test", arguments={"claim_id": 7}, created_at=utcnow()
        ))  # fmt: skip
        command.upgrade(config, "head")
        renamed = connection.execute(select(outbox.c.task).where(outbox.c.task_id == "renamed-task-test")).scalar()
        connection.execute(outbox.delete().where(outbox.c.task_id == "renamed-task-test"))
    assert renamed == "rewards.relay_claim"


def _contribution(connection: Connection, status: str) -> int:
    values = {
        "contributor": "0x" + os.urandom(20).hex(), "status": status, "sha256": os.urandom(32).hex(), "size": 10,
        "filename": "a.jsonl", "content_format": "jsonl", "modality": "text", "title": "t", "description": "",
        "license": "CC-BY-4.0", "consent_text": "I agree.", "consent_sha256": "00" * 32, "content_report": {},
        "created_at": utcnow(), "updated_at": utcnow(),
    }  # fmt: skip
    return int(connection.execute(Contribution.__table__.insert().values(**values)).inserted_primary_key[0])  # type: ignore[attr-defined]


def _score(connection: Connection, contribution_id: int, verdict: str) -> None:
    values = {"contribution_id": contribution_id, "policy_hash": "0x" + os.urandom(32).hex(), "verdict": verdict,
              "dimensions": {}, "scored_at": utcnow()}  # fmt: skip
    connection.execute(ContributionScore.__table__.insert().values(**values))  # type: ignore[attr-defined]


def _epoch(connection: Connection, status: str) -> int:
    values = {
        "number": 10**6 + int.from_bytes(os.urandom(3), "big"), "status": status, "cutoff": utcnow(),
        "formula_version": "polyphony-rewards/2", "budget": "1", "allocated": "1", "cumulative_total": "1",
        "contribution_count": 1, "account_count": 1, "chain_id": 1, "distributor": "0x" + "00" * 20,
        "root": "0x" + os.urandom(32).hex(), "report_cid": "bafk", "report_sha256": "00" * 32, "created_at": utcnow(),
    }  # fmt: skip
    return int(connection.execute(Epoch.__table__.insert().values(**values)).inserted_primary_key[0])  # type: ignore[attr-defined]


def _reward(connection: Connection, epoch_id: int, contribution_id: int, amount: str) -> None:
    values = {"epoch_id": epoch_id, "contribution_id": contribution_id, "contributor": "0x" + "00" * 20,
              "amount": amount, "terms": {}}  # fmt: skip
    connection.execute(EpochReward.__table__.insert().values(**values))  # type: ignore[attr-defined]


def test_existing_contributions_get_the_status_their_score_epoch_and_revocation_give_them(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")
        ids = {name: _contribution(connection, status) for name, status in (
            ("claimed", "claimed"), ("unscored", "anchored"), ("deferred", "anchored"), ("failed", "anchored"),
            ("paid", "anchored"), ("paid_nothing", "anchored"), ("paid_by_revoked", "anchored"), ("revoked", "revoked"),
        )}  # fmt: skip
        _score(connection, ids["deferred"], "no-verdict")
        for name in ("failed", "paid", "paid_nothing", "paid_by_revoked"):
            _score(connection, ids[name], "fail" if name == "failed" else "pass")
        active, revoked = _epoch(connection, "active"), _epoch(connection, "revoked")
        _reward(connection, active, ids["paid"], "5")
        _reward(connection, active, ids["paid_nothing"], "0")
        _reward(connection, revoked, ids["paid_by_revoked"], "5")
        command.upgrade(config, "head")
        contributions = Contribution.__table__  # type: ignore[attr-defined]
        found = dict(connection.execute(select(contributions.c.id, contributions.c.status).where(
            contributions.c.id.in_(ids.values())
        )).all())  # fmt: skip
        connection.execute(
            EpochReward.__table__.delete().where(EpochReward.__table__.c.epoch_id.in_([active, revoked]))
        )  # type: ignore[attr-defined]
        connection.execute(Epoch.__table__.delete().where(Epoch.__table__.c.id.in_([active, revoked])))  # type: ignore[attr-defined]
        connection.execute(
            ContributionScore.__table__.delete().where(ContributionScore.__table__.c.contribution_id.in_(ids.values()))
        )  # type: ignore[attr-defined]
        connection.execute(contributions.delete().where(contributions.c.id.in_(ids.values())))
    assert {name: found[i] for name, i in ids.items()} == {
        "claimed": "claimed",
        "unscored": "anchored",
        "deferred": "anchored",
        "failed": "scored",
        "paid": "rewarded",
        "paid_nothing": "scored",
        "paid_by_revoked": "scored",
        "revoked": "withdrawn",
    }


def test_a_proposal_made_before_0014_keeps_its_one_action_its_ballots_and_is_a_dataset_approval_asked_for_here(
    engine: Engine,
) -> None:
    config = alembic_config()
    datasets, ballots = Dataset.__table__, RelayedBallot.__table__  # type: ignore[attr-defined]  # unchanged by 0014
    old = table("proposal", column("id"), column("proposal_id"), column("chain_id"), column("governor"),
                column("dataset_id"), column("round_number"), column("manifest_root"), column("manifest_cid"),
                column("target"), column("calldata"), column("description"), column("curator"), column("relayed"),
                column("created_at"))  # fmt: skip
    target, calldata, proposal_id = "0x" + "12" * 20, "0x" + os.urandom(40).hex(), str(int.from_bytes(os.urandom(32)))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
        dataset_id = connection.execute(datasets.insert().values(
            name="before 0014", description="", curator="0x" + "ab" * 20, filters={}, item_count=1,
            root="0x" + "cd" * 32, manifest_cid="bafkreiold", created_at=utcnow(),
        )).inserted_primary_key[0]  # fmt: skip
        proposal_ref = connection.execute(old.insert().values(
            proposal_id=proposal_id, chain_id=31337, governor="0x" + "34" * 20, dataset_id=dataset_id,
            round_number=5, manifest_root="0x" + "cd" * 32, manifest_cid="bafkreiold", target=target,
            calldata=calldata, description="# old", curator="0x" + "ab" * 20, relayed=True, created_at=utcnow(),
        ).returning(old.c.id)).scalar_one()  # fmt: skip
        # A relayed ballot points at the proposal: SQLite's rebuild of the table must not trip over it.
        connection.execute(ballots.insert().values(
            proposal_ref=proposal_ref, voter="0x" + "56" * 20, support=1, nonce=0, signature="0x" + "00" * 65,
            status="mined", created_at=utcnow(), updated_at=utcnow(),
        ))  # fmt: skip
        command.upgrade(config, "head")
        new = table("proposal", column("id"), column("proposal_id"), column("kind"), column("origin"),
                    column("actions", JSON), column("dataset_id"))  # fmt: skip
        found = connection.execute(
            select(new.c.kind, new.c.origin, new.c.actions, new.c.dataset_id).where(new.c.proposal_id == proposal_id)
        ).one()
        command.downgrade(config, "0013")  # and back, with the ballot still there
        command.upgrade(config, "head")
        kept_ballots = connection.execute(select(ballots.c.voter).where(ballots.c.proposal_ref == proposal_ref)).all()
        connection.execute(ballots.delete().where(ballots.c.proposal_ref == proposal_ref))
        connection.execute(new.delete().where(new.c.proposal_id == proposal_id))
        connection.execute(datasets.delete().where(datasets.c.id == dataset_id))
    assert tuple(found) == (
        "dataset_approval", "polyphony", [{"target": target, "value": "0", "calldata": calldata}], dataset_id,
    )  # fmt: skip
    assert [tuple(row) for row in kept_ballots] == [("0x" + "56" * 20,)]
