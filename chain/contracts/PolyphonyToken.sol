// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title Polyphony token: rewards for contributions and voting power in the DAO.
/// @notice Votes are checkpointed by timestamp (EIP-6372 "mode=timestamp"), so governance periods are in
/// seconds on any chain, including L2s whose block times differ.
/// Only MINTER_ROLE (the rewards distributor) mints; DEFAULT_ADMIN_ROLE goes to the timelock after deploy.
contract PolyphonyToken is ERC20, ERC20Permit, ERC20Votes, AccessControl {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @param admin Receives DEFAULT_ADMIN_ROLE: the deployer, who grants MINTER_ROLE to the rewards
    /// distributor, hands DEFAULT_ADMIN_ROLE to the timelock and renounces its own.
    constructor(address admin) ERC20("Polyphony", "PLY") ERC20Permit("Polyphony") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Mint `amount` to `to`; only MINTER_ROLE, which the rewards distributor holds.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
