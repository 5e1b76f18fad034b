// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Demand registry: what data the DAO wants more of, the topics an upload may declare, and the
/// parameters of sampled peer review.
/// @notice Every setter is owner-only and the owner is the timelock, so demand changes only by a proposal that
/// passed, was queued and executed. A multiplier rewards contributions of one language, modality, license or
/// topic, optionally only within a time window; the reward formula multiplies the multipliers a contribution
/// matches, bounds that product to [MIN_MULTIPLIER_BPS, MAX_MULTIPLIER_BPS], multiplies it with its own
/// diversity multiplier and bounds the result by MAX_PRODUCT_BPS. Every change emits an event, so a reader
/// replays the whole history; `multipliers()`, `topics()` and `reviewParams()` read the state at any block.
contract DemandRegistry is Ownable {
    uint8 public constant LANGUAGE = 0;
    uint8 public constant MODALITY = 1;
    uint8 public constant LICENSE = 2;
    uint8 public constant TOPIC = 3;
    uint8 public constant DIMENSIONS = 4;

    uint256 public constant BPS = 10_000;
    /// @notice Bounds of one multiplier, and of the product of the multipliers one contribution matches.
    uint256 public constant MIN_MULTIPLIER_BPS = 5_000;
    uint256 public constant MAX_MULTIPLIER_BPS = 30_000;
    /// @notice Bound of demand x diversity, the product the reward formula weighs a contribution by.
    uint256 public constant MAX_PRODUCT_BPS = 40_000;
    uint256 public constant MAX_VALUE_LENGTH = 64;
    uint256 public constant MAX_TOPICS = 256;
    uint256 public constant MAX_MULTIPLIERS = 256;
    /// @notice Bounds of the review parameters: the reviewers' share of an epoch's budget, and credibility.
    uint256 public constant MAX_REVIEWER_SHARE_BPS = 2_000;
    uint256 public constant MAX_CREDIBILITY_BPS = 20_000;

    /// @notice One multiplier: `bps` for contributions whose `dimension` is `value`, in force from `notBefore`
    /// (inclusive) to `notAfter` (exclusive), each a Unix time, 0 meaning open.
    struct Multiplier {
        uint8 dimension;
        string value;
        uint32 bps;
        uint64 notBefore;
        uint64 notAfter;
    }

    struct ReviewParams {
        uint256 reviewerMinVotes;
        uint16 reviewerShareBps;
        uint16 credibilityFloorBps;
        uint16 credibilityCeilingBps;
    }

    Multiplier[] private _multipliers;
    mapping(bytes32 key => uint256) private _multiplierIndex; // 1-based position in _multipliers; 0: none
    string[] private _topics;
    mapping(bytes32 topicHash => uint256) private _topicIndex; // 1-based position in _topics; 0: none
    ReviewParams private _review;

    event MultiplierSet(
        uint8 indexed dimension, bytes32 indexed valueHash, string value, uint32 bps, uint64 notBefore, uint64 notAfter
    );
    event MultiplierCleared(uint8 indexed dimension, bytes32 indexed valueHash, string value);
    event TopicAdded(bytes32 indexed topicHash, string topic);
    event TopicRemoved(bytes32 indexed topicHash, string topic);
    event ReviewParamsSet(
        uint256 reviewerMinVotes, uint16 reviewerShareBps, uint16 credibilityFloorBps, uint16 credibilityCeilingBps
    );

    error UnknownDimension(uint8 dimension);
    error BadValue(string value);
    error MultiplierOutOfBounds(uint32 bps, uint256 minBps, uint256 maxBps);
    error BadWindow(uint64 notBefore, uint64 notAfter);
    error NoSuchMultiplier(uint8 dimension, string value);
    error TooManyMultipliers(uint256 limit);
    error UnknownTopic(string topic);
    error TopicExists(string topic);
    error TooManyTopics(uint256 limit);
    error ReviewParamsOutOfBounds();

    /// @param timelock The owner. Review starts as the reward formula publishes it: a 1,000-token minimum, 2 % of
    /// the budget, and a credibility multiplier between 0x and 1x, until a vote changes them.
    constructor(address timelock) Ownable(timelock) {
        _setReviewParams(ReviewParams(1_000e18, 200, 0, 10_000));
    }

    /// @notice Set (or replace) the multiplier of `value` in `dimension`; a topic must be on the topic list.
    function setMultiplier(uint8 dimension, string calldata value, uint32 bps, uint64 notBefore, uint64 notAfter)
        external
        onlyOwner
    {
        if (dimension >= DIMENSIONS) revert UnknownDimension(dimension);
        _checkValue(value);
        if (dimension == TOPIC && _topicIndex[keccak256(bytes(value))] == 0) revert UnknownTopic(value);
        if (bps < MIN_MULTIPLIER_BPS || bps > MAX_MULTIPLIER_BPS) {
            revert MultiplierOutOfBounds(bps, MIN_MULTIPLIER_BPS, MAX_MULTIPLIER_BPS);
        }
        if (notAfter != 0 && notAfter <= notBefore) revert BadWindow(notBefore, notAfter);
        bytes32 key = multiplierKey(dimension, value);
        Multiplier memory entry = Multiplier(dimension, value, bps, notBefore, notAfter);
        uint256 index = _multiplierIndex[key];
        if (index == 0) {
            if (_multipliers.length >= MAX_MULTIPLIERS) revert TooManyMultipliers(MAX_MULTIPLIERS);
            _multipliers.push(entry);
            _multiplierIndex[key] = _multipliers.length;
        } else {
            _multipliers[index - 1] = entry;
        }
        emit MultiplierSet(dimension, keccak256(bytes(value)), value, bps, notBefore, notAfter);
    }

    /// @notice Remove the multiplier of `value` in `dimension`: it weighs 1x again.
    function clearMultiplier(uint8 dimension, string calldata value) external onlyOwner {
        bytes32 key = multiplierKey(dimension, value);
        uint256 index = _multiplierIndex[key];
        if (index == 0) revert NoSuchMultiplier(dimension, value);
        Multiplier memory last = _multipliers[_multipliers.length - 1];
        _multipliers[index - 1] = last;
        _multiplierIndex[multiplierKey(last.dimension, last.value)] = index;
        _multipliers.pop();
        delete _multiplierIndex[key];
        emit MultiplierCleared(dimension, keccak256(bytes(value)), value);
    }

    /// @notice Put `topic` on the list an upload's optional topic is chosen from.
    function addTopic(string calldata topic) external onlyOwner {
        _checkValue(topic);
        bytes32 topicHash = keccak256(bytes(topic));
        if (_topicIndex[topicHash] != 0) revert TopicExists(topic);
        if (_topics.length >= MAX_TOPICS) revert TooManyTopics(MAX_TOPICS);
        _topics.push(topic);
        _topicIndex[topicHash] = _topics.length;
        emit TopicAdded(topicHash, topic);
    }

    /// @notice Take `topic` off the list: new uploads cannot declare it; a multiplier of it stays until cleared.
    function removeTopic(string calldata topic) external onlyOwner {
        bytes32 topicHash = keccak256(bytes(topic));
        uint256 index = _topicIndex[topicHash];
        if (index == 0) revert UnknownTopic(topic);
        string memory last = _topics[_topics.length - 1];
        _topics[index - 1] = last;
        _topicIndex[keccak256(bytes(last))] = index;
        _topics.pop();
        delete _topicIndex[topicHash];
        emit TopicRemoved(topicHash, topic);
    }

    /// @notice Set every review parameter at once.
    function setReviewParams(
        uint256 reviewerMinVotes,
        uint16 reviewerShareBps,
        uint16 credibilityFloorBps,
        uint16 credibilityCeilingBps
    ) external onlyOwner {
        _setReviewParams(ReviewParams(reviewerMinVotes, reviewerShareBps, credibilityFloorBps, credibilityCeilingBps));
    }

    /// @notice Every multiplier, in force or not (their windows say when), in no particular order.
    function multipliers() external view returns (Multiplier[] memory) {
        return _multipliers;
    }

    /// @notice Every topic an upload may declare, in no particular order.
    function topics() external view returns (string[] memory) {
        return _topics;
    }

    function isTopic(string calldata topic) external view returns (bool) {
        return _topicIndex[keccak256(bytes(topic))] != 0;
    }

    function reviewParams() external view returns (ReviewParams memory) {
        return _review;
    }

    /// @notice The key of a multiplier: one per (dimension, value).
    function multiplierKey(uint8 dimension, string memory value) public pure returns (bytes32) {
        return keccak256(abi.encode(dimension, value));
    }

    function _setReviewParams(ReviewParams memory params) private {
        bool inBounds = params.reviewerShareBps <= MAX_REVIEWER_SHARE_BPS
            && params.credibilityFloorBps <= BPS && params.credibilityCeilingBps >= BPS
            && params.credibilityCeilingBps <= MAX_CREDIBILITY_BPS;
        if (!inBounds) revert ReviewParamsOutOfBounds();
        _review = params;
        emit ReviewParamsSet(
            params.reviewerMinVotes, params.reviewerShareBps, params.credibilityFloorBps, params.credibilityCeilingBps
        );
    }

    /// @dev A value is 1 to MAX_VALUE_LENGTH bytes: what the API stores and shows.
    function _checkValue(string calldata value) private pure {
        uint256 length = bytes(value).length;
        if (length == 0 || length > MAX_VALUE_LENGTH) revert BadValue(value);
    }
}
