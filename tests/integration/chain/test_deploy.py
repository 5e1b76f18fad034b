"""`polyphony deploy` on anvil: every contract in place, every role as planned, the deployer holding none."""

from pathlib import Path

import pytest
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
from chain.deploy import DeploymentBroken, audit, check_code_present, ensure_deployed
from chain.keys import KeyRole
from chain.roles import role_holders, role_id
from chain.tx import TxSender
from polyphony.settings import Settings
from tests.integration.conftest import TEST_GOVERNANCE


def test_the_deployment_file_names_every_contract_with_code_behind_it(
    web3: Web3, deployment: Deployment, settings: Settings
) -> None:
    assert read_deployment(settings.deployments_dir, 31337) == deployment
    assert set(deployment.contracts) == set(ARTIFACT_OF)
    for contract in deployment.contracts.values():
        assert web3.eth.get_code(Web3.to_checksum_address(contract.address))
        assert contract.block > 0


def test_the_deployer_holds_no_role_anywhere(
    web3: Web3, deployment: Deployment, operator_keys: dict[KeyRole, LocalAccount]
) -> None:
    deployer = operator_keys[KeyRole.DEPLOYER].address.lower()
    for name in ("token", "timelock", "provenanceRegistry", "rewardsDistributor"):
        holders = role_holders(web3, deployment, name)
        assert all(deployer not in members for members in holders.values()), name
    audit(web3, deployment, operator_keys)


def test_a_second_deploy_reuses_the_first(
    web3: Web3, deployment: Deployment, settings: Settings, operator_keys: dict[KeyRole, LocalAccount]
) -> None:
    nonce = web3.eth.get_transaction_count(operator_keys[KeyRole.DEPLOYER].address)
    again, deployed_now = ensure_deployed(
        web3, operator_keys, parameters=TEST_GOVERNANCE, deployments_dir=settings.deployments_dir
    )
    assert (again, deployed_now) == (deployment, False)
    assert web3.eth.get_transaction_count(operator_keys[KeyRole.DEPLOYER].address) == nonce


def test_the_audit_catches_an_extra_role_holder(
    web3: Web3, operator_keys: dict[KeyRole, LocalAccount], tmp_path: Path, funded_account: LocalAccount
) -> None:
    keys = {**operator_keys, KeyRole.DEPLOYER: funded_account}  # a fresh deployer: a fresh contract set
    fresh, _ = ensure_deployed(web3, keys, parameters=TEST_GOVERNANCE, deployments_dir=tmp_path)
    # Only the timelock can grant roles now: impersonate it on anvil to leave a grant the plan lacks.
    timelock = fresh.contracts["timelock"].address
    web3.provider.make_request("anvil_impersonateAccount", [timelock])  # type: ignore[arg-type]
    web3.provider.make_request("anvil_setBalance", [timelock, hex(10**18)])  # type: ignore[arg-type]
    registry = fresh.bind(web3, "provenanceRegistry")
    relayer = operator_keys[KeyRole.RELAYER].address
    grant = call_of(registry, "grantRole", role_id("ANCHOR_ROLE"), relayer)
    web3.eth.wait_for_transaction_receipt(
        web3.eth.send_transaction({"from": timelock, "to": grant.to, "data": grant.data})  # type: ignore[typeddict-item]
    )
    with pytest.raises(DeploymentBroken, match="holds ANCHOR_ROLE but should not"):
        audit(web3, fresh, keys)


def test_a_deployment_file_for_contracts_the_chain_lacks_is_refused(web3: Web3, deployment: Deployment) -> None:
    ghost = Deployment(31337, {**deployment.contracts})
    ghost.contracts["token"] = type(ghost.contracts["token"])("0x" + "42" * 20, 1)
    with pytest.raises(DeploymentBroken, match="was the chain reset"):
        check_code_present(web3, ghost)


def test_deploy_adds_the_demand_registry_to_a_deployment_made_without_it(
    web3: Web3, operator_keys: dict[KeyRole, LocalAccount], tmp_path: Path, funded_account: LocalAccount
) -> None:
    keys = {**operator_keys, KeyRole.DEPLOYER: funded_account}
    full, _ = ensure_deployed(web3, keys, parameters=TEST_GOVERNANCE, deployments_dir=tmp_path)
    # The deployment file as it was before the demand registry existed: every other contract, already in use.
    older = Deployment(full.chain_id, {k: c for k, c in full.contracts.items() if k != "demandRegistry"})
    write_deployment(tmp_path, older)
    completed, deployed_now = ensure_deployed(web3, keys, parameters=TEST_GOVERNANCE, deployments_dir=tmp_path)
    assert deployed_now
    assert {k: c for k, c in completed.contracts.items() if k != "demandRegistry"} == older.contracts
    added = completed.contracts["demandRegistry"]
    assert added.address != full.contracts["demandRegistry"].address
    assert added.block > max(c.block for c in older.contracts.values())
    owner = completed.bind(web3, "demandRegistry").functions.owner().call()
    assert owner == Web3.to_checksum_address(completed.contracts["timelock"].address)
    assert read_deployment(tmp_path, web3.eth.chain_id) == completed
    nonce = web3.eth.get_transaction_count(funded_account.address)
    assert ensure_deployed(web3, keys, parameters=TEST_GOVERNANCE, deployments_dir=tmp_path) == (completed, False)
    assert web3.eth.get_transaction_count(funded_account.address) == nonce


def test_the_audit_catches_a_demand_registry_the_timelock_does_not_own(
    web3: Web3, deployment: Deployment, operator_keys: dict[KeyRole, LocalAccount], funded_account: LocalAccount
) -> None:
    stray = TxSender(web3, funded_account).send(
        f"test:stray-demand:{funded_account.address}", creation_call(web3, "DemandRegistry", funded_account.address)
    )
    contracts = {**deployment.contracts, "demandRegistry": DeployedContract(str(stray.contract_address), 1)}
    with pytest.raises(DeploymentBroken, match=f"demandRegistry: owned by {funded_account.address}"):
        audit(web3, Deployment(deployment.chain_id, contracts), operator_keys)
