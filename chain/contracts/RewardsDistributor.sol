// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

interface IMintableToken is IERC20 {
    function mint(address to, uint256 amount) external;
}

/// @title Rewards distributor: cumulative Merkle claims of each epoch's rewards.
/// @notice Each epoch the rewards key proposes a root over (account, token, cumulative amount) leaves,
/// hashed as the npm package openzeppelin/merkle-tree's StandardMerkleTree does, with the sum of those
/// amounts and the CID of the epoch report. The root waits `challengeDelay`, during which REVOKER_ROLE
/// (the timelock) may revoke it and the rewards key may replace it (restarting the delay). Then anyone
/// activates it, which mints the part of its total not minted before into this contract.
/// Claims transfer from that balance rather than mint: a mint also writes ERC20Votes' total-supply
/// checkpoint, about 33k more gas per claim (measured). The price is that unclaimed rewards count in
/// the total supply the governor's quorum is a fraction of.
/// Anyone may send a claim; the tokens always go to the account in the leaf.
contract RewardsDistributor is AccessControl {
    using SafeERC20 for IMintableToken;

    bytes32 public constant ROOT_PROPOSER_ROLE = keccak256("ROOT_PROPOSER_ROLE");
    bytes32 public constant REVOKER_ROLE = keccak256("REVOKER_ROLE");

    struct PendingRoot {
        bytes32 root;
        uint256 epoch;
        uint256 total;
        uint256 activatesAt;
    }

    IMintableToken public immutable token;
    uint256 public immutable challengeDelay;

    /// @notice The root claims are checked against, and its epoch.
    bytes32 public root;
    uint256 public epoch;
    /// @notice Tokens minted into this contract so far: the largest total of any activated root.
    uint256 public funded;
    /// @notice The proposed root waiting for activation; all zero when there is none.
    PendingRoot public pending;
    /// @notice Cumulative amount each account has claimed.
    mapping(address account => uint256) public claimed;

    event RootProposed(
        uint256 indexed epoch, bytes32 indexed root, uint256 total, uint256 activatesAt, string reportCid
    );
    event RootActivated(uint256 indexed epoch, bytes32 indexed root, uint256 minted);
    event RootRevoked(uint256 indexed epoch, bytes32 indexed root);
    /// @dev The amount paid is the difference from the account's previous Claimed event (or zero): logging it
    /// too would cost every claim 256 gas more for a figure any indexer derives.
    event Claimed(address indexed account, uint256 cumulativeAmount);

    error EmptyRoot();
    error EpochNotAfter(uint256 activeEpoch);
    error NoPendingRoot();
    error ChallengeNotOver(uint256 activatesAt);
    error InvalidProof();
    error NothingToClaim();

    constructor(IMintableToken rewardToken, uint256 rootChallengeDelay, address admin, address rootProposer) {
        token = rewardToken;
        challengeDelay = rootChallengeDelay;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REVOKER_ROLE, admin);
        _grantRole(ROOT_PROPOSER_ROLE, rootProposer);
    }

    /// @notice Propose `newRoot` for `newEpoch`, whose cumulative amounts sum to `total`, replacing any
    /// pending root; it can be activated once the challenge delay is over.
    function proposeRoot(bytes32 newRoot, uint256 newEpoch, uint256 total, string calldata reportCid)
        external
        onlyRole(ROOT_PROPOSER_ROLE)
    {
        if (newRoot == 0) revert EmptyRoot();
        if (newEpoch <= epoch) revert EpochNotAfter(epoch);
        uint256 activatesAt = block.timestamp + challengeDelay;
        pending = PendingRoot(newRoot, newEpoch, total, activatesAt);
        emit RootProposed(newEpoch, newRoot, total, activatesAt, reportCid);
    }

    /// @notice Revoke the pending root; it can never be activated.
    function revokeRoot() external onlyRole(REVOKER_ROLE) {
        PendingRoot memory revoked = pending;
        if (revoked.root == 0) revert NoPendingRoot();
        delete pending;
        emit RootRevoked(revoked.epoch, revoked.root);
    }

    /// @notice Make the pending root the one claims are checked against, once its challenge delay is over,
    /// and mint what its total adds; anyone may call it.
    function activateRoot() external {
        PendingRoot memory next = pending;
        if (next.root == 0) revert NoPendingRoot();
        if (block.timestamp < next.activatesAt) revert ChallengeNotOver(next.activatesAt);
        delete pending;
        root = next.root;
        epoch = next.epoch;
        uint256 minted = next.total > funded ? next.total - funded : 0;
        emit RootActivated(next.epoch, next.root, minted);
        if (minted > 0) {
            funded = next.total;
            token.mint(address(this), minted);
        }
    }

    /// @notice Pay `account` what it has not yet claimed of `cumulativeAmount`, proven against the root.
    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, address(token), cumulativeAmount))));
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert InvalidProof();
        uint256 alreadyClaimed = claimed[account];
        if (cumulativeAmount <= alreadyClaimed) revert NothingToClaim();
        claimed[account] = cumulativeAmount;
        emit Claimed(account, cumulativeAmount);
        token.safeTransfer(account, cumulativeAmount - alreadyClaimed);
    }
}
