"""`polyphony`: the command line of Polyphony."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.command import console, one_line_errors
from cli.contribute import contribute, status
from cli.datasets import dataset_app, model_app, pull
from cli.demand import demand_app
from cli.demo import run_demo
from cli.deploy import deploy_contracts
from cli.export import export_app
from cli.governance import delegate, propose, vote
from cli.keys import key_app
from cli.rescore import rescore
from cli.review import review_app
from cli.rewards import claim, epoch_app, rewards
from cli.score import score
from cli.serve import serve_role
from cli.up import run_stack
from cli.verify import verify_app
from polyphony.db import make_engine
from polyphony.migrations import upgrade_to_head
from polyphony.settings import get_settings

app = typer.Typer(help="Polyphony: community-owned AI data.", no_args_is_help=True, add_completion=False)
app.add_typer(verify_app, name="verify")
app.add_typer(epoch_app, name="epoch")
app.command()(rewards)
app.command()(claim)
app.add_typer(dataset_app, name="dataset")
app.add_typer(model_app, name="model")
app.add_typer(export_app, name="export")
app.add_typer(key_app, name="key")
app.add_typer(demand_app, name="demand")
app.add_typer(review_app, name="review")
app.command()(pull)
app.command()(contribute)
app.command()(status)
app.command()(score)
app.command()(rescore)
app.command()(propose)
app.command()(delegate)
app.command()(vote)


@app.command()
def up() -> None:
    """Start the whole stack (embedded Redis and anvil unless configured), and stop it all on Ctrl-C."""
    sys.exit(run_stack(get_settings(), console))


@app.command()
def serve(
    role: Annotated[str, typer.Argument(help="api, worker, chain-worker, scoring-worker or beat.")],
) -> None:
    """Run one role in the foreground on the configured shared services: one of several machines of a stack."""
    with one_line_errors():
        serve_role(get_settings(), role)


@app.command()
def demo(
    home: Annotated[Path | None, typer.Option(help="Keep the demo's state here; default: a temporary folder.")] = None,
) -> None:
    """Play the whole mission on a fresh embedded stack: contribute, score, pay, vote, pull, train, trace."""
    sys.exit(run_demo(home, console))


@app.command()
def deploy() -> None:
    """Deploy the contract set on the configured chain (once; later calls find it and audit nothing new)."""
    with one_line_errors():
        deploy_contracts(get_settings(), console)


@app.command()
def migrate() -> None:
    """Bring the configured database to the newest schema."""
    with one_line_errors():
        upgrade_to_head(make_engine(get_settings().effective_database_url))
    console.print("database is at the newest schema")
