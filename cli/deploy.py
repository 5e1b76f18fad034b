"""`polyphony deploy`: the contract set on the configured chain, deployed once and reused after."""

from rich.console import Console

from chain.bindings import Deployment, deployment_path
from chain.client import connect, rpc_errors
from chain.deploy import ensure_deployed, parameters_from
from chain.keys import ensure_dev_keys, load_keys
from chain.tx import SenderPolicy
from polyphony.settings import Settings


def deploy_contracts(settings: Settings, console: Console) -> Deployment:
    """Deploy (or find) the contracts; on the embedded chain, make and fund the operator keys first."""
    rpc_url = settings.effective_chain_rpc_url
    with rpc_errors(rpc_url):
        web3 = connect(rpc_url)
        keys = load_keys(settings.keys_dir) if settings.chain_rpc_url else ensure_dev_keys(settings.keys_dir, web3)
        deployment, deployed_now = ensure_deployed(
            web3,
            keys,
            parameters=parameters_from(settings),
            deployments_dir=settings.deployments_dir,
            policy=SenderPolicy(confirmations=settings.polyphony_chain_confirmations),
        )
    verb = "deployed" if deployed_now else "found"
    path = deployment_path(settings.deployments_dir, deployment.chain_id)
    console.print(f"  [green]{verb}[/] contracts on chain {deployment.chain_id}: {path}")
    return deployment
