// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title Provenance registry: the on-chain anchor of every contribution batch and scoring policy.
/// @notice One Merkle root per batch of claimed contributions; the batch manifest (every leaf) lives on
/// IPFS under the CID in the event. Only the block of each root is stored, which is what rejects a root
/// anchored twice and lets a verifier find the event; so a batch costs one storage slot however large it is.
/// The manifest's CID is a CIDv1 with a sha2-256 multihash, so it travels as its two variable parts, the
/// codec and the digest: two fixed words cost less calldata and event data than its base32 text (59 bytes)
/// or its binary form in a dynamic `bytes`, and a reader rebuilds the CID from them exactly.
/// Scoring policies are registered the same way (policy hash -> policy CID) by POLICY_ROLE, a role apart
/// from ANCHOR_ROLE so the automated anchor key cannot introduce a scoring policy by itself.
/// Every batch carries a kind: what its leaves are (0 claims, 1 revocations, 2 reviews). The kind is open, any
/// uint8 is accepted, so a new kind of batch needs no new contract; readers ignore kinds they do not know.
/// `anchor` is the claims path of the first version and still emits `BatchAnchored` as it did; every batch,
/// of any kind, also emits `KindBatchAnchored`, so one event filter sees them all.
/// DEFAULT_ADMIN_ROLE is the timelock.
contract ProvenanceRegistry is AccessControl {
    bytes32 public constant ANCHOR_ROLE = keccak256("ANCHOR_ROLE");
    bytes32 public constant POLICY_ROLE = keccak256("POLICY_ROLE");

    /// @notice Block in which each batch root was anchored; 0 when it never was.
    mapping(bytes32 root => uint256) public batchBlock;
    /// @notice The kind of each anchored batch root (meaningful only where `batchBlock` is not 0).
    mapping(bytes32 root => uint8) public batchKind;
    /// @notice Block in which each scoring-policy hash was registered; 0 when it never was.
    mapping(bytes32 policyHash => uint256) public policyBlock;

    event BatchAnchored(bytes32 indexed root, uint256 count, uint64 manifestCodec, bytes32 manifestDigest);
    event KindBatchAnchored(
        uint8 indexed kind, bytes32 indexed root, uint256 count, uint64 manifestCodec, bytes32 manifestDigest
    );
    event PolicyRegistered(bytes32 indexed policyHash, string policyCid);

    error EmptyBatch();
    error BatchAlreadyAnchored(bytes32 root);
    error PolicyAlreadyRegistered(bytes32 policyHash);

    constructor(address admin, address anchorer, address policyRegistrar) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ANCHOR_ROLE, anchorer);
        _grantRole(POLICY_ROLE, policyRegistrar);
    }

    /// @notice Anchor the Merkle root of a batch of `count` contribution claims listed in the manifest whose
    /// CIDv1 is (`manifestCodec`, sha2-256 `manifestDigest`): a batch of kind 0.
    function anchor(bytes32 root, uint256 count, uint64 manifestCodec, bytes32 manifestDigest)
        external
        onlyRole(ANCHOR_ROLE)
    {
        _anchor(0, root, count, manifestCodec, manifestDigest);
        emit BatchAnchored(root, count, manifestCodec, manifestDigest);
    }

    /// @notice Anchor the Merkle root of a batch of `count` leaves of `kind` (0 claims, 1 revocations,
    /// 2 reviews, or a later kind) listed in the manifest (`manifestCodec`, sha2-256 `manifestDigest`).
    function anchorKind(uint8 kind, bytes32 root, uint256 count, uint64 manifestCodec, bytes32 manifestDigest)
        external
        onlyRole(ANCHOR_ROLE)
    {
        _anchor(kind, root, count, manifestCodec, manifestDigest);
        if (kind == 0) emit BatchAnchored(root, count, manifestCodec, manifestDigest);
    }

    function _anchor(uint8 kind, bytes32 root, uint256 count, uint64 manifestCodec, bytes32 manifestDigest)
        private
    {
        if (count == 0) revert EmptyBatch();
        if (batchBlock[root] != 0) revert BatchAlreadyAnchored(root);
        batchBlock[root] = block.number;
        batchKind[root] = kind;
        emit KindBatchAnchored(kind, root, count, manifestCodec, manifestDigest);
    }

    /// @notice Record that scoring policy `policyHash` is published at `policyCid`.
    function registerPolicy(bytes32 policyHash, string calldata policyCid) external onlyRole(POLICY_ROLE) {
        if (policyBlock[policyHash] != 0) revert PolicyAlreadyRegistered(policyHash);
        policyBlock[policyHash] = block.number;
        emit PolicyRegistered(policyHash, policyCid);
    }
}
