"""`polyphony deploy`: deploy the contract set, wire its roles, hand everything to the timelock, and audit.

Every step is a named intent of the transaction sender, so a deploy cut short resumes where it stopped and
never deploys a contract twice. The deployer ends with no role anywhere; the audit replays every
RoleGranted/RoleRevoked event and refuses to finish if any holder differs from the plan. A deployment made
before a contract joined the set gets just that contract, owned by its timelock, on the next deploy.
"""

from dataclasses import dataclass
from pathlib import Path

from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain.bindings import (
    ARTIFACT_OF,
    DeployedContract,
    Deployment,
    call_of,
    creation_call,
    read_deployment,
    write_deployment,
)
from chain.keys import KeyRole
from chain.roles import ANYONE, expected_roles, role_holders, role_id
from chain.tx import SenderPolicy, TxSender
from polyphony.errors import Conflict
from polyphony.settings import Settings

# The Ownable contracts: each owned by the timelock from its constructor on.
OWNED_BY_TIMELOCK = ("datasetRegistry", "demandRegistry")
# Contracts added after the first release: `polyphony deploy` adds each one a deployment file lacks.
ADDED_LATER = ("demandRegistry",)


class DeploymentBroken(Conflict):
    code = "deployment_broken"


@dataclass(frozen=True)
class GovernanceParameters:
    """What the contracts are constructed with; afterwards only a governance vote changes them."""

    voting_delay_s: int
    voting_period_s: int
    proposal_threshold: int
    quorum_percent: int
    timelock_delay_s: int
    reward_challenge_delay_s: int


def ensure_deployed(
    web3: Web3,
    keys: dict[KeyRole, LocalAccount],
    *,
    parameters: GovernanceParameters,
    deployments_dir: Path,
    policy: SenderPolicy | None = None,
) -> tuple[Deployment, bool]:
    """The chain's deployment, deploying it first when there is none; True when this call deployed anything.

    A deployment file made before a contract of `ADDED_LATER` existed gets that contract added (owned by its
    timelock, audited, recorded); every other contract stays where it is.
    """
    existing = read_deployment(deployments_dir, web3.eth.chain_id)
    if existing is not None:
        check_code_present(web3, existing)
        if all(name in existing.contracts for name in ADDED_LATER):
            return existing, False
        completed = _add_missing(TxSender(web3, keys[KeyRole.DEPLOYER], policy), existing)
        audit(web3, completed, keys)
        write_deployment(deployments_dir, completed)
        return completed, True
    deployment = _deploy(TxSender(web3, keys[KeyRole.DEPLOYER], policy), keys, parameters)
    _wire(TxSender(web3, keys[KeyRole.DEPLOYER], policy), deployment)
    audit(web3, deployment, keys)
    write_deployment(deployments_dir, deployment)
    return deployment, True


def check_code_present(web3: Web3, deployment: Deployment) -> None:
    """Refuse a deployment file whose contracts this chain does not hold (a reset chain, another network)."""
    missing = [
        name for name, c in deployment.contracts.items() if not web3.eth.get_code(Web3.to_checksum_address(c.address))
    ]
    if missing:
        raise DeploymentBroken(
            f"the deployment file for chain {deployment.chain_id} names contracts this chain does not hold "
            f"({', '.join(missing)}): was the chain reset? Move the file away to deploy afresh."
        )


def _deploy(sender: TxSender, keys: dict[KeyRole, LocalAccount], p: GovernanceParameters) -> Deployment:
    web3, deployer = sender.web3, sender.account.address
    made: dict[str, DeployedContract] = {}

    def create(name: str, *args: object) -> str:
        tx = sender.send(f"deploy:{deployer}:{name}", creation_call(web3, ARTIFACT_OF[name], *args))
        made[name] = DeployedContract(str(tx.contract_address), int(tx.block_number or 0))
        return made[name].address

    timelock = create("timelock", p.timelock_delay_s, [], [ANYONE], deployer)
    token = create("token", deployer)
    create("governor", token, timelock, p.voting_delay_s, p.voting_period_s, p.proposal_threshold, p.quorum_percent)
    create("provenanceRegistry", timelock, keys[KeyRole.ANCHORER].address, keys[KeyRole.SCORER].address)
    create("rewardsDistributor", token, p.reward_challenge_delay_s, timelock, keys[KeyRole.REWARDER].address)
    create("datasetRegistry", timelock)
    create("demandRegistry", timelock)
    return Deployment(web3.eth.chain_id, made)


def _add_missing(sender: TxSender, deployment: Deployment) -> Deployment:
    """Deploy the contracts added since `deployment` was made, owned by its timelock; the rest stays as it is."""
    web3, timelock = sender.web3, deployment.contracts["timelock"].address
    made = dict(deployment.contracts)
    for name in ADDED_LATER:
        if name not in made:
            # Named by the timelock: the contract belongs to that deployment, whichever key deploys it.
            tx = sender.send(f"add:{timelock}:{name}", creation_call(web3, ARTIFACT_OF[name], timelock))
            made[name] = DeployedContract(str(tx.contract_address), int(tx.block_number or 0))
    return Deployment(deployment.chain_id, made)


def _wire(sender: TxSender, deployment: Deployment) -> None:
    """Grant the contracts their roles, then give the deployer's admin roles up."""
    web3, deployer = sender.web3, sender.account.address
    token, timelock = deployment.bind(web3, "token"), deployment.bind(web3, "timelock")
    governor = deployment.contracts["governor"].address
    steps = [
        (
            "token:grant-minter",
            call_of(token, "grantRole", role_id("MINTER_ROLE"), deployment.contracts["rewardsDistributor"].address),
        ),
        ("token:grant-admin", call_of(token, "grantRole", role_id("DEFAULT_ADMIN_ROLE"), timelock.address)),
        ("token:renounce-admin", call_of(token, "renounceRole", role_id("DEFAULT_ADMIN_ROLE"), deployer)),
        ("timelock:grant-proposer", call_of(timelock, "grantRole", role_id("PROPOSER_ROLE"), governor)),
        ("timelock:grant-canceller", call_of(timelock, "grantRole", role_id("CANCELLER_ROLE"), governor)),
        ("timelock:renounce-admin", call_of(timelock, "renounceRole", role_id("DEFAULT_ADMIN_ROLE"), deployer)),
    ]
    for step, call in steps:
        sender.send(f"wire:{deployer}:{deployment.contracts['token'].address}:{step}", call)


def audit(web3: Web3, deployment: Deployment, keys: dict[KeyRole, LocalAccount]) -> None:
    """Raise unless every role of every contract is held exactly as planned (and the deployer holds none)."""
    problems = []
    for name, roles in expected_roles(deployment, keys).items():
        actual = role_holders(web3, deployment, name)
        for role in sorted(set(roles) | set(actual)):
            extra, missing = (
                actual.get(role, set()) - roles.get(role, set()),
                roles.get(role, set()) - actual.get(role, set()),
            )
            problems += [f"{name}: {holder} holds {role} but should not" for holder in sorted(extra)]
            problems += [f"{name}: {holder} lacks {role}" for holder in sorted(missing)]
    for name in OWNED_BY_TIMELOCK:
        owner = deployment.bind(web3, name).functions.owner().call()
        if owner.lower() != deployment.contracts["timelock"].address.lower():
            problems.append(f"{name}: owned by {owner}, not the timelock")
    if problems:
        raise DeploymentBroken("the deployment audit failed: " + "; ".join(problems))


def parameters_from(settings: Settings) -> GovernanceParameters:
    """The governance parameters the settings name."""
    return GovernanceParameters(
        voting_delay_s=settings.polyphony_voting_delay_s,
        voting_period_s=settings.polyphony_voting_period_s,
        proposal_threshold=settings.polyphony_proposal_threshold,
        quorum_percent=settings.polyphony_quorum_percent,
        timelock_delay_s=settings.polyphony_timelock_delay_s,
        reward_challenge_delay_s=settings.polyphony_reward_challenge_delay_s,
    )
