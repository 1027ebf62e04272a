export { MAX_TOPIC_BYTES, filterCovers, filtersOverlap, isValidTopicFilter, isValidTopicName, levelCount, topicMatches } from './topic.js';
export { checkAcl, type Acl, type AclEntry, type AclObserver, type AclQuery, type AclVerdict, type OverlappingDeny, type RuleApplies } from './acl.js';
export { parseFilter, type ParsedFilter } from './share.js';
export { isValidRuleTopic } from './rule-topic.js';
export { addressList, listHolds, peerAddress } from './address-list.js';
export { uncoveredTopics, type Uncovered, type UncoveredPart } from './uncovered.js';
