"""The configured chain as the workers meet it: the recorded contract set, and a sender for one operator key."""

from dataclasses import dataclass

from chain.bindings import Deployment, read_deployment
from chain.client import connect, rpc_errors, served_chain_id
from chain.keys import KeyRole, load_keys
from chain.tx import SenderPolicy, TxSender
from polyphony.settings import Settings


def configured_deployment(settings: Settings) -> Deployment | None:
    """The contract set recorded for the configured chain; None until `polyphony deploy` has run there."""
    return read_deployment(settings.deployments_dir, served_chain_id(settings))


def sender_for(settings: Settings, role: KeyRole) -> TxSender:
    """The transaction sender of the operator's `role` key on the configured chain."""
    rpc_url = settings.effective_chain_rpc_url
    policy = SenderPolicy(confirmations=settings.polyphony_chain_confirmations)
    with rpc_errors(rpc_url):
        return TxSender(connect(rpc_url), load_keys(settings.keys_dir)[role], policy)


@dataclass(frozen=True)
class Actor:
    """One operator key's sender on the configured chain, and the contract set it acts on."""

    sender: TxSender
    deployment: Deployment


def actor_for(settings: Settings, role: KeyRole) -> Actor | None:
    """The `role` key acting on the configured deployment; None until `polyphony deploy` has run there."""
    deployment = configured_deployment(settings)
    return None if deployment is None else Actor(sender_for(settings, role), deployment)
