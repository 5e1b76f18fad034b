"""`polyphony review`: sampled peer review from the terminal. Opt in or out, see the next document assigned to
you, and accept or reject it with a signed review (the wallet signs the API's `DocumentReview` typed data once
the command has checked it is a review of that very document by this wallet). With `--safe`, the wallet's key
acts as the owner of a 1-of-1 Safe: the Safe is the reviewer, and its reviews carry ERC-1271 signatures.

Documents are reviewed in the order they were assigned: `accept` and `reject` take the sample id `next` shows.
Exit codes: 0 done; 2 anything else (arguments, key, a reason not on the list, an unreachable or refusing API).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from cli.client import ClientError, PolyphonyClient
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
from governance.reviews.sampling import REJECT_REASONS

review_app = typer.Typer(
    help="Sampled peer review: opt in, see your next document, accept or reject it.", no_args_is_help=True
)

SampleArgument = Annotated[str, typer.Argument(help="The sample id `polyphony review next` shows.")]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", help=f"Why it is rejected: one of {', '.join(REJECT_REASONS)}.")
]


@review_app.command("opt-in")
def opt_in(
    key_file: KeyOption = None, keystore: KeystoreOption = None, password_file: PasswordFileOption = None,
    api: ApiOption = None, safe: SafeOption = None,
) -> None:  # fmt: skip
    """Review from now on: documents are assigned to you while your delegated votes reach the minimum."""
    with one_line_errors(), _signed_in(api, key_file, keystore, password_file, safe) as client:
        reviewer: dict[str, Any] = client.call("POST", "/reviews/reviewer")
    console.print(
        f"{reviewer['address']} reviews from now on: documents are assigned to you while your delegated votes "
        "reach the reviewers' minimum (`polyphony delegate` delegates yours); `polyphony review next` shows yours"
    )


@review_app.command("opt-out")
def opt_out(
    key_file: KeyOption = None, keystore: KeystoreOption = None, password_file: PasswordFileOption = None,
    api: ApiOption = None, safe: SafeOption = None,
) -> None:  # fmt: skip
    """Stop reviewing: no new documents; those assigned to you already stay yours to review."""
    with one_line_errors(), _signed_in(api, key_file, keystore, password_file, safe) as client:
        reviewer: dict[str, Any] = client.call("DELETE", "/reviews/reviewer")
    console.print(f"{reviewer['address']} gets no new documents; those assigned already stay yours to review")


@review_app.command("next")
def next_document(
    key_file: KeyOption = None, keystore: KeystoreOption = None, password_file: PasswordFileOption = None,
    api: ApiOption = None, safe: SafeOption = None,
) -> None:  # fmt: skip
    """Show the next document assigned to you, and its sample id; or what the queue waits for."""
    with one_line_errors(), _signed_in(api, key_file, keystore, password_file, safe) as client:
        answer = _next(client)
        task = answer["review"]
        if task is None:
            console.print(f"nothing is assigned to you: {answer['queue']['message']}", markup=False)
            return
        facts = ", ".join(str(fact) for fact in (task["modality"], task["language"], task["license"]) if fact)
        console.print(
            f"sample {task['sample_id']}: document {task['record']} of contribution {task['contribution_id']} "
            f"({facts}; {task['cid']})", markup=False, highlight=False,
        )  # fmt: skip
        if task["text"] is None:
            console.print(f"no text: see it at {client.base_url}/ipfs/{task['cid']}", markup=False)
        else:
            console.print(task["text"], markup=False, highlight=False)
        number = task["sample_id"]
        console.print(
            f"accept it: polyphony review accept {number}; reject it: polyphony review reject {number} --reason "
            f"REASON ({', '.join(answer['reasons'])})", markup=False, highlight=False,
        )  # fmt: skip


@review_app.command("accept")
def accept(
    sample: SampleArgument, key_file: KeyOption = None, keystore: KeystoreOption = None,
    password_file: PasswordFileOption = None, api: ApiOption = None, safe: SafeOption = None,
) -> None:  # fmt: skip
    """Accept the document `sample`: sign the review, and send it."""
    with one_line_errors():
        sample_id = _sample_id(sample)
        with _signed_in(api, key_file, keystore, password_file, safe) as client:
            _review(client, sample_id, accept=True, reason="")


@review_app.command("reject")
def reject(
    sample: SampleArgument, reason: ReasonOption = None, key_file: KeyOption = None,
    keystore: KeystoreOption = None, password_file: PasswordFileOption = None, api: ApiOption = None,
    safe: SafeOption = None,
) -> None:  # fmt: skip
    """Reject the document `sample` for a reason (--reason): sign the review, and send it."""
    with one_line_errors():
        sample_id, why = _sample_id(sample), _reason(reason)
        with _signed_in(api, key_file, keystore, password_file, safe) as client:
            _review(client, sample_id, accept=False, reason=why)


@contextmanager
def _signed_in(
    api: str | None,
    key_file: KeyOption,
    keystore: KeystoreOption,
    password_file: PasswordFileOption,
    safe: str | None,
) -> Iterator[PolyphonyClient]:
    """A client of the API signed in with the wallet the options name (as the Safe it owns, with --safe), closed
    after use."""
    wallet = load_wallet(key_file, keystore, password_file)
    with PolyphonyClient(api_url(api), wallet, safe=safe_address(safe)) as client:
        client.sign_in()
        yield client


def _sample_id(sample: str) -> int:
    if not (sample.isascii() and sample.isdigit()) or len(sample) > 18:  # it goes into a request: digits only
        raise CommandFailed(f"{sample!r} is not a sample id: give the number `polyphony review next` shows")
    return int(sample)


def _reason(reason: str | None) -> str:
    if reason is None or reason not in REJECT_REASONS:
        given = "no --reason" if reason is None else f"--reason {reason!r} is not one of the reasons"
        raise CommandFailed(f"{given}: give one of {', '.join(REJECT_REASONS)}")
    return reason


def _next(client: PolyphonyClient) -> dict[str, Any]:
    try:
        answer: dict[str, Any] = client.call("GET", "/reviews/next")
    except ClientError as error:
        if error.code == "not_a_reviewer":
            raise CommandFailed(f"{client.address} has not opted in to review: run `polyphony review opt-in`") from None
        raise
    return answer


def _review(client: PolyphonyClient, sample_id: int, *, accept: bool, reason: str) -> None:
    """Sign the review of `sample_id`, which must be the next document assigned to this wallet, and send it."""
    answer = _next(client)
    task = answer["review"]
    if task is None:
        raise CommandFailed(
            f"sample {sample_id} is not waiting for your review: nothing is; {answer['queue']['message']}"
        )
    if task["sample_id"] != sample_id:
        raise CommandFailed(
            f"sample {sample_id} is not the next one waiting for your review (that is {task['sample_id']}): "
            "documents are reviewed in order; `polyphony review next` shows it"
        )
    typed: dict[str, Any] = task["typed_data"]
    check_offer(typed, "DocumentReview", {"sampleId": sample_id, "reviewer": client.address})
    typed = {**typed, "message": {**typed["message"], "accept": accept, "reason": reason}}
    body = {"sample_id": sample_id, "accept": accept, "reason": reason, "deadline": int(typed["message"]["deadline"]),
            "signature": "0x" + client.sign_typed(typed).hex()}  # fmt: skip
    review: dict[str, Any] = client.call("POST", "/reviews", json=body)
    said = "accepted" if accept else f"rejected ({reason})"
    outcome = review["outcome"]
    follow = f"GET /contributions/{task['contribution_id']}/reviews"
    if outcome == "pending":
        console.print(f"{said} sample {sample_id}: it waits for its other reviewers; follow it with {follow}")
    else:
        console.print(f"{said} sample {sample_id}: a majority of its reviewers {outcome} it; see {follow}")
