"""Sampled peer review against farming: bench/out/review.json.

Runs alone (`python bench/review.py`). A simulation of 10,000 contributors, 5 % of them farmers uploading
filler that passes the gates, 500 reviewers, 10 % of them careless (they accept everything), over 20 weekly
epochs, through the real code: `governance/reviews/sampling.py` picks each anchoring batch's sample and its
reviewers, `majority` decides, `governance/reviews/credibility.py` keeps every contributor's credibility and
every reviewer's agreement, and formula /3 (`allocate`, `allocate_reviewers`) pays. Each epoch has seven
anchoring batches (one a day); the reviews of the last one land in the next epoch.

- Honest contributors: 0-2 uploads an epoch of 1-5 documents each; 1 % of their documents are genuinely bad
  (personal data, say). Farmers: 2-4 uploads an epoch of 3-6 filler documents, longer, every epoch.
- Honest reviewers reject filler and bad documents with probability 0.9 and a good document with 0.02.
- The anchor: the farmers' share of the budget with no review (formula /2, `farmer_share_without_review`), their
  share of the uploaded words. `ratio` is epoch 5's share with review over it.
- `honest_pay_ratio`: what honest contributors earn over the 20 epochs beside farmers and review, over what the
  same uploads earn with review and no farmers; `honest_pay_ratio_vs_no_review` over a world with neither
  (the reviewers' share included in the cost). `careless_reviewer_pay_ratio`: a careless reviewer's mean pay over
  an honest one's.
- Gas: one batch of 1,000 review leaves anchored as `anchorKind(2, root, ...)` on a fresh anvil with the
  deployed contracts (bench/gas.py's setup), amortised per review.
Goals (issue 19): farmers under 1 % of the budget by epoch 5; honest pay at least 0.95 of a world without
farmers; at most 1,000 gas a review anchored.
"""

import hashlib
import json
import random
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script, this folder is first on the path: the gas benchmark's anvil setup is shared, not copied.
from gas import EXAMPLE_CID, Chain, deploy, seeded_address, use_private_state
from hexbytes import HexBytes
from rich.console import Console

from chain.bindings import call_of
from chain.keys import KeyRole
from chain.merkle import StandardMerkleTree
from cli.stack import Stack, anvil_part
from governance.reviews.credibility import CREDIBILITY_START_BPS, ReviewerTally, agreement_bps, credibility_bps
from governance.reviews.sampling import (
    ACCEPTED,
    REJECT_REASONS,
    REJECTED,
    Candidate,
    assigned_reviewers,
    majority,
    sample_seed,
    sampled_documents,
)
from governance.rewards.formula import FORMULA_V2, FORMULA_V3, Corpus, RewardInput, allocate, allocate_reviewers
from polyphony.db import get_engine
from polyphony.settings import get_settings
from polyphony.storage.cid import parse_cid

OUT = Path(__file__).resolve().parent / "out" / "review.json"
CONTRIBUTORS = 10_000
FARMER_SHARE = 0.05
REVIEWERS = 500
CARELESS_SHARE = 0.10
EPOCHS = 20
BATCHES_PER_EPOCH = 7
HONEST_BAD_SHARE = 0.01
REJECT_BAD = 0.9
REJECT_GOOD = 0.02
TOKEN = 10**18
BUDGET = 1_000_000 * TOKEN
CONTRIBUTOR_CAP = BUDGET // 10  # the default POLYPHONY_EPOCH_CONTRIBUTOR_CAP_BPS, 1,000
REVIEW_LEAVES = 1_000
REVIEWS_KIND = 2
REVIEW_LEAF = ["address", "uint256", "uint256", "string"]  # reviewer, contribution id, record, outcome
LANGUAGES = ("en", "en", "en", "fr", "es", "sw", "hi", "yo")
CORPUS = Corpus.of([("en", "text")] * 600 + [(lang, "text") for lang in ("fr", "es", "sw", "hi") for _ in range(100)])
POLICY = "0x" + "11" * 32


@dataclass(frozen=True)
class Upload:
    """One contribution: its documents' words, which of them an honest reviewer should reject, its score."""

    contribution_id: int
    contributor: str
    batch: int
    words: tuple[int, ...]
    bad: tuple[bool, ...]
    score: int
    language: str
    farmed: bool


@dataclass(frozen=True)
class Population:
    """Who uploads and who reviews."""

    contributors: list[str]
    farmers: frozenset[str]
    languages: dict[str, str]
    reviewers: list[str]
    careless: frozenset[str]


def population() -> Population:
    """10,000 contributors (every twentieth a farmer) and 500 reviewers (every tenth careless)."""
    people = [f"0x{index + 1:040x}" for index in range(CONTRIBUTORS)]
    reviewers = [f"0x{0xEE << 152 | index:040x}" for index in range(REVIEWERS)]
    generator = random.Random(19)  # noqa: S311 (a seeded simulation, not a secret)
    return Population(
        contributors=people, farmers=frozenset(people[:: round(1 / FARMER_SHARE)]),
        languages={who: generator.choice(LANGUAGES) for who in people}, reviewers=reviewers,
        careless=frozenset(reviewers[:: round(1 / CARELESS_SHARE)]),
    )  # fmt: skip


def uploads_of(epoch: int, people: Population, first_id: int) -> list[Upload]:
    """Every upload of `epoch`: the same in every world, since it is drawn from the epoch's own seed."""
    generator = random.Random(f"uploads {epoch}")  # noqa: S311
    uploads: list[Upload] = []
    for who in people.contributors:
        farmed = who in people.farmers
        for _ in range(generator.randint(2, 4) if farmed else generator.choice((0, 1, 1, 2))):
            count = generator.randint(3, 6) if farmed else generator.randint(1, 5)
            words = tuple(
                generator.randint(600, 1_500) if farmed else generator.randint(200, 1_500) for _ in range(count)
            )
            bad = tuple(farmed or generator.random() < HONEST_BAD_SHARE for _ in range(count))
            score = generator.randint(6_000, 9_000) if farmed else generator.randint(5_000, 9_500)
            language = "en" if farmed else people.languages[who]
            cid = first_id + len(uploads)
            uploads.append(
                Upload(cid, who, generator.randrange(BATCHES_PER_EPOCH), words, bad, score, language, farmed)
            )
    return uploads


def reward_input(
    upload: Upload, *, rejected: frozenset[int] = frozenset(), credibility: int | None = None
) -> RewardInput:
    """What the formula reads of `upload`, without the documents a review majority rejected."""
    kept = [words for record, words in enumerate(upload.words) if record not in rejected]
    return RewardInput(
        contribution_id=upload.contribution_id, contributor=upload.contributor, verdict="pass", score=upload.score,
        size=sum(upload.words) * 6, duplicate_of=None, language=upload.language, modality="text", policy_hash=POLICY,
        records=len(upload.words), kept_records=len(kept), kept_words=sum(kept), credibility_bps=credibility,
    )  # fmt: skip


@dataclass(frozen=True)
class Review:
    """A sampled document's three reviews and their majority."""

    candidate: Candidate
    reviewers: tuple[str, ...]
    votes: tuple[str, ...]
    outcome: str


@dataclass
class Pay:
    """One epoch's amounts: contributors' and reviewers'."""

    contributors: dict[str, int]
    reviewers: dict[str, int] = field(default_factory=dict)


@dataclass
class ReviewedWorld:
    """Everything review remembers from epoch to epoch: credibility, agreement, and the reviews still on their way."""

    people: Population
    seed: int
    credibility: dict[str, int] = field(default_factory=dict)
    agreement: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    on_the_way: list[Review] = field(default_factory=list)

    def close(self, epoch: int, uploads: Sequence[Upload]) -> Pay:
        """Sample and review every batch of the epoch, pay it by formula /3, then move credibility and agreement."""
        generator = random.Random(f"votes {self.seed} {epoch}")  # noqa: S311
        landed, self.on_the_way = self.on_the_way, []
        covered: frozenset[str] = frozenset()
        for batch in range(BATCHES_PER_EPOCH):
            reviews, covered = self.review_batch(
                epoch, batch, [u for u in uploads if u.batch == batch], covered, generator
            )
            (landed if batch < BATCHES_PER_EPOCH - 1 else self.on_the_way).extend(reviews)
        rejected: dict[int, set[int]] = defaultdict(set)
        for review in landed:
            if review.outcome == REJECTED:
                rejected[review.candidate.contribution_id].add(review.candidate.record)
        items = [reward_input(u, rejected=frozenset(rejected[u.contribution_id]),
                              credibility=self.credibility.get(u.contributor)) for u in uploads]  # fmt: skip
        allocation = allocate(items, budget=BUDGET, contributor_cap=CONTRIBUTOR_CAP, corpus=CORPUS, version=FORMULA_V3)
        reviewers = allocate_reviewers(self.tallies(landed), budget=BUDGET)
        outcomes: dict[str, list[str]] = defaultdict(list)
        for review in landed:  # in the order they landed: a rejection counts for the epochs after this one
            outcomes[review.candidate.contributor].append(review.outcome)
        for who, landed_outcomes in outcomes.items():
            self.credibility[who] = credibility_bps(self.credibility.get(who, CREDIBILITY_START_BPS), landed_outcomes)
        return Pay(allocation.contributors, reviewers)

    def review_batch(
        self, epoch: int, batch: int, uploads: Sequence[Upload], covered: frozenset[str], generator: random.Random
    ) -> tuple[list[Review], frozenset[str]]:
        """The batch's sample, seeded by a later block's hash, each document's reviewers and their votes."""
        block_hash, root = (hashlib.sha256(f"{kind} {epoch} {batch}".encode()).digest() for kind in ("block", "root"))
        seed = sample_seed(block_hash, root)
        bad = {(u.contribution_id, record): flag for u in uploads for record, flag in enumerate(u.bad)}
        candidates = [
            Candidate(u.contribution_id, record, u.contributor) for u in uploads for record in range(len(u.words))
        ]
        reviews = []
        for candidate in sampled_documents(seed, candidates, covered=covered):
            assigned = assigned_reviewers(seed, candidate, self.people.reviewers)
            assert assigned is not None  # 500 reviewers: nothing waits
            votes = tuple(
                self.vote(who, bad[candidate.contribution_id, candidate.record], generator) for who in assigned
            )
            outcome = majority(votes)
            assert outcome is not None
            reviews.append(Review(candidate, tuple(assigned), votes, outcome))
        return reviews, covered | {review.candidate.contributor.lower() for review in reviews}

    def vote(self, reviewer: str, bad: bool, generator: random.Random) -> str:
        """A careless reviewer accepts; an honest one rejects filler and bad documents, and sometimes a good one."""
        if reviewer in self.people.careless or generator.random() >= (REJECT_BAD if bad else REJECT_GOOD):
            return ACCEPTED
        return generator.choice(REJECT_REASONS)

    def tallies(self, landed: Sequence[Review]) -> list[ReviewerTally]:
        """Each reviewer's reviews landed now and their agreement record with them."""
        reviews: dict[str, int] = defaultdict(int)
        for review in landed:
            for who, vote in zip(review.reviewers, review.votes, strict=True):
                reviews[who] += 1
                record = self.agreement[who]
                record[0] += (vote == ACCEPTED) == (review.outcome == ACCEPTED)
                record[1] += 1
        return [ReviewerTally(who, count, *self.agreement[who]) for who, count in sorted(reviews.items())]


def unreviewed(uploads: Sequence[Upload]) -> Pay:
    """The epoch paid by formula /2, with no review."""
    items = [reward_input(upload) for upload in uploads]
    return Pay(
        allocate(items, budget=BUDGET, contributor_cap=CONTRIBUTOR_CAP, corpus=CORPUS, version=FORMULA_V2).contributors
    )


def simulate() -> dict[str, Any]:
    """The four worlds, epoch by epoch: farmers or not, review or not."""
    people = population()
    with_review, without_farmers = ReviewedWorld(people, seed=1), ReviewedWorld(people, seed=2)
    totals: dict[str, list[int]] = defaultdict(list)
    next_id = 1
    for epoch in range(1, EPOCHS + 1):
        uploads = uploads_of(epoch, people, next_id)
        next_id += len(uploads)
        honest_uploads = [upload for upload in uploads if not upload.farmed]
        worlds = {
            "reviewed": with_review.close(epoch, uploads), "unreviewed": unreviewed(uploads),
            "reviewed_no_farmers": without_farmers.close(epoch, honest_uploads),
            "unreviewed_no_farmers": unreviewed(honest_uploads),
        }  # fmt: skip
        for name, pay in worlds.items():
            totals[f"{name}_farmers"].append(sum(a for who, a in pay.contributors.items() if who in people.farmers))
            totals[f"{name}_honest"].append(sum(a for who, a in pay.contributors.items() if who not in people.farmers))
        reviewer_pay = worlds["reviewed"].reviewers
        totals["careless"].append(sum(reviewer_pay.get(who, 0) for who in people.careless))
        totals["careful"].append(sum(a for who, a in reviewer_pay.items() if who not in people.careless))
        totals["farmed_words"].append(sum(sum(upload.words) for upload in uploads if upload.farmed))
        totals["words"].append(sum(sum(upload.words) for upload in uploads))
    return figures_of(totals) | agreement_of(with_review)


def agreement_of(world: ReviewedWorld) -> dict[str, Any]:
    """The mean agreement rate with the majority after the last epoch, careless and careful reviewers apart."""
    rates = {who: agreement_bps(agreed, decided) for who, (agreed, decided) in world.agreement.items()}
    careless = [rate for who, rate in rates.items() if who in world.people.careless]
    careful = [rate for who, rate in rates.items() if who not in world.people.careless]
    return {"careless_reviewer_agreement_bps": sum(careless) // len(careless),
            "careful_reviewer_agreement_bps": sum(careful) // len(careful)}  # fmt: skip


def figures_of(totals: dict[str, list[int]]) -> dict[str, Any]:
    """The shares and ratios the goals name."""
    share = [round(farmers / BUDGET, 5) for farmers in totals["reviewed_farmers"]]
    without = [round(farmers / BUDGET, 5) for farmers in totals["unreviewed_farmers"]]
    careless_each = sum(totals["careless"]) / (REVIEWERS * CARELESS_SHARE)
    careful_each = sum(totals["careful"]) / (REVIEWERS * (1 - CARELESS_SHARE))
    honest = sum(totals["reviewed_honest"])
    by_epoch = zip(totals["reviewed_honest"], totals["reviewed_no_farmers_honest"], strict=True)
    return {
        "farmer_share_by_epoch": share,
        "farmer_share_epoch_5": share[4],
        "farmer_share_without_review_by_epoch": without,
        "farmer_share_without_review": round(sum(without) / len(without), 5),
        "farmer_share_of_uploaded_words": round(sum(totals["farmed_words"]) / sum(totals["words"]), 5),
        "farmer_share_all_epochs": round(sum(totals["reviewed_farmers"]) / (BUDGET * EPOCHS), 5),
        "honest_pay_ratio": round(honest / sum(totals["reviewed_no_farmers_honest"]), 4),
        "honest_pay_ratio_by_epoch": [round(paid / alone, 4) for paid, alone in by_epoch],
        "honest_pay_ratio_vs_no_review": round(honest / sum(totals["unreviewed_no_farmers_honest"]), 4),
        "reviewers_share_of_budget": round((sum(totals["careless"]) + sum(totals["careful"])) / (BUDGET * EPOCHS), 5),
        "careless_reviewer_pay_ratio": round(careless_each / careful_each, 4),
    }  # fmt: skip


def review_anchoring(chain: Chain) -> dict[str, Any]:
    """One batch of review leaves anchored as kind 2: its gas, and that gas per review."""
    leaves = [[seeded_address(f"reviewer {i % REVIEWERS}"), i // 3 + 1, i % 3, ACCEPTED] for i in range(REVIEW_LEAVES)]
    root = StandardMerkleTree.of(leaves, leaf_encoding=REVIEW_LEAF).root
    manifest = parse_cid(EXAMPLE_CID)
    registry = chain.contract("provenanceRegistry")
    call = call_of(registry, "anchorKind", REVIEWS_KIND, HexBytes(root), REVIEW_LEAVES, manifest.codec, manifest.digest)
    gas = chain.send(KeyRole.ANCHORER, f"reviews:{REVIEW_LEAVES}", call)
    return {
        "review_batch_leaves": REVIEW_LEAVES,
        "review_batch_gas": gas,
        "gas_per_review_anchored": round(gas / REVIEW_LEAVES, 1),
    }


def gas() -> dict[str, Any]:
    """The review batch's gas on a private anvil."""
    with tempfile.TemporaryDirectory(prefix="polyphony-bench-review-") as home:
        use_private_state(Path(home))
        stack = Stack(get_settings(), Console(quiet=True))
        try:
            stack.start(anvil_part(get_settings()))
            return review_anchoring(deploy())
        finally:
            stack.stop_all()
            get_engine().dispose()


def main() -> None:
    """Simulate, measure the gas, write bench/out/review.json."""
    figures = simulate() | gas()
    figures |= {
        "anchor": "farmer_share_without_review",
        "ratio": round(figures["farmer_share_epoch_5"] / figures["farmer_share_without_review"], 4),
        "goals": {"farmer_share_epoch_5_below": 0.01, "honest_pay_ratio_at_least": 0.95,
                  "gas_per_review_anchored_at_most": 1_000},
        "goals_met": {"farmer_share_epoch_5": figures["farmer_share_epoch_5"] < 0.01,
                      "honest_pay_ratio": figures["honest_pay_ratio"] >= 0.95,
                      "gas_per_review_anchored": figures["gas_per_review_anchored"] <= 1_000},
    }  # fmt: skip
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    json.dump(figures, sys.stdout, indent=2)
    print("\nwritten bench/out/review.json")


if __name__ == "__main__":
    main()
