// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Dataset registry: which datasets the DAO approved for each training round, and the models
/// trained on them.
/// @notice Approval is owner-only and the owner is the timelock, so a dataset is approved only by a
/// proposal that passed, was queued and executed. A round may approve several datasets (one proposal each).
/// Anyone may register a model for a round with at least one approved dataset: registration only links
/// the model CID to the round and records who registered it, so trust follows the registrant.
contract DatasetRegistry is Ownable {
    /// @notice Block in which `manifestRoot` was approved for `round`; 0 when it was not.
    mapping(uint256 round => mapping(bytes32 manifestRoot => uint256)) public approvalBlock;
    /// @notice How many datasets were approved for each round.
    mapping(uint256 round => uint256) public datasetCount;

    event DatasetApproved(uint256 indexed round, bytes32 indexed manifestRoot, string manifestCid);
    event ModelRegistered(uint256 indexed round, address indexed registrant, string modelCid, string lineageCid);

    error DatasetAlreadyApproved(uint256 round, bytes32 manifestRoot);
    error RoundNotApproved(uint256 round);

    constructor(address timelock) Ownable(timelock) {}

    /// @notice Approve the dataset whose manifest has root `manifestRoot` (published at `manifestCid`).
    function approve(uint256 round, bytes32 manifestRoot, string calldata manifestCid) external onlyOwner {
        if (approvalBlock[round][manifestRoot] != 0) revert DatasetAlreadyApproved(round, manifestRoot);
        approvalBlock[round][manifestRoot] = block.number;
        datasetCount[round] += 1;
        emit DatasetApproved(round, manifestRoot, manifestCid);
    }

    /// @notice Register model `modelCid`, trained on `round`, with its lineage file at `lineageCid`.
    function registerModel(uint256 round, string calldata modelCid, string calldata lineageCid) external {
        if (datasetCount[round] == 0) revert RoundNotApproved(round);
        emit ModelRegistered(round, msg.sender, modelCid, lineageCid);
    }
}
