import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterCovers, isValidTopicFilter, isValidTopicName, topicMatches } from '../index.js';

const names: Array<[string, boolean, string]> = [
  ['sport/tennis/player1', true, 'plain levels'],
  ['/finance', true, 'an empty first level [MQTT-4.7.1-3]'],
  ['sport/', true, 'an empty last level'],
  ['$SYS/broker/load', true, '$ topics are names too [MQTT-4.7.2-1]'],
  ['', false, 'empty [MQTT-4.7.3-1]'],
  ['sport/+', false, 'no + in a topic name [MQTT-3.3.2-2]'],
  ['sport/#', false, 'no # in a topic name [MQTT-3.3.2-2]'],
  ['sp+ort', false, 'no + even inside a level [MQTT-3.3.2-2]'],
  ['a\u0000b', false, 'no NUL [MQTT-1.5.3-2]'],
  ['x'.repeat(65535), true, 'at most 65535 bytes [MQTT-1.5.3]'],
  ['é'.repeat(32768), false, 'the limit is in UTF-8 bytes, not characters [MQTT-1.5.3]'],
];
for (const [topic, valid, why] of names) {
  test(`isValidTopicName ${valid ? 'accepts' : 'rejects'} ${JSON.stringify(topic.slice(0, 24))}: ${why}`, () => {
    assert.equal(isValidTopicName(topic), valid);
  });
}

const filters: Array<[string, boolean, string]> = [
  ['#', true, '# alone [MQTT-4.7.1-2]'],
  ['sport/tennis/#', true, '# as the last level [MQTT-4.7.1-2]'],
  ['+', true, '+ alone [MQTT-4.7.1-3]'],
  ['+/tennis/#', true, '+ and # together'],
  ['sport/+/player1', true, '+ as a middle level [MQTT-4.7.1-3]'],
  ['/+', true, 'empty levels are allowed'],
  ['', false, 'empty [MQTT-4.7.3-1]'],
  ['sport/tennis#', false, '# must be a whole level [MQTT-4.7.1-2]'],
  ['sport/#/ranking', false, '# must be last [MQTT-4.7.1-2]'],
  ['sport+', false, '+ must be a whole level [MQTT-4.7.1-3]'],
  ['a/\u0000', false, 'no NUL [MQTT-1.5.3-2]'],
];
for (const [filter, valid, why] of filters) {
  test(`isValidTopicFilter ${valid ? 'accepts' : 'rejects'} ${JSON.stringify(filter)}: ${why}`, () => {
    assert.equal(isValidTopicFilter(filter), valid);
  });
}

const matches: Array<[string, string, boolean, string]> = [
  ['sport/tennis/player1/#', 'sport/tennis/player1', true, '# also matches the parent level [MQTT-4.7.1-2]'],
  ['sport/tennis/player1/#', 'sport/tennis/player1/ranking/wimbledon', true, '# matches any depth [MQTT-4.7.1-2]'],
  ['sport/#', 'sport', true, '# matches the parent [MQTT-4.7.1-2]'],
  ['#', 'a/b/c', true, '# matches everything [MQTT-4.7.1-2]'],
  ['sport/tennis/+', 'sport/tennis/player1', true, '+ matches one level [MQTT-4.7.1-3]'],
  ['sport/tennis/+', 'sport/tennis/player1/ranking', false, '+ matches exactly one level [MQTT-4.7.1-3]'],
  ['sport/+', 'sport', false, '+ needs a level [MQTT-4.7.1-3]'],
  ['sport/+', 'sport/', true, '+ matches an empty level [MQTT-4.7.1-3]'],
  ['+/+', '/finance', true, 'empty first level [MQTT-4.7.1-3]'],
  ['/+', '/finance', true, 'leading slash [MQTT-4.7.1-3]'],
  ['+', '/finance', false, 'a leading slash adds a level [MQTT-4.7.1-3]'],
  ['#', '$SYS/monitor/Clients', false, 'wildcards do not reach $ topics [MQTT-4.7.2-1]'],
  ['+/monitor/Clients', '$SYS/monitor/Clients', false, 'wildcards do not reach $ topics [MQTT-4.7.2-1]'],
  ['$SYS/#', '$SYS/monitor/Clients', true, 'an explicit $ level does [MQTT-4.7.2-1]'],
  ['$SYS/monitor/+', '$SYS/monitor/Clients', true, 'an explicit $ level does [MQTT-4.7.2-1]'],
  ['Sport', 'sport', false, 'case-sensitive [MQTT-4.7.3-4]'],
  ['a/b', 'a/b/c', false, 'no prefix matching'],
];
for (const [filter, topic, expected, why] of matches) {
  test(`topicMatches(${JSON.stringify(filter)}, ${JSON.stringify(topic)}) is ${expected}: ${why}`, () => {
    assert.equal(topicMatches(filter, topic), expected);
  });
}

const covers: Array<[string, string, boolean, string]> = [
  ['sensors/#', 'sensors/+/temp', true, 'a wider filter covers a narrower one'],
  ['sensors/+/temp', 'sensors/#', false, 'a narrower filter does not cover a wider one'],
  ['sensors/#', 'sensors', true, 'the parent level is covered by # [MQTT-4.7.1-2]'],
  ['sensors/#', 'sensors/#', true, 'equal filters'],
  ['sensors/+', 'sensors/#', false, '# reaches deeper than + [MQTT-4.7.1-2]'],
  ['sensors/+', 'sensors/+', true, 'equal + filters'],
  ['sensors/+', 'sensors/a', true, 'a name is covered by a matching filter'],
  ['sensors/a', 'sensors/+', false, '+ reaches more than one name [MQTT-4.7.1-3]'],
  ['a/+/#', 'a', false, 'a/+/# needs a second level'],
  ['#', '$SYS/#', false, '# does not reach $ topics [MQTT-4.7.2-1]'],
  ['+/x', '$SYS/x', false, '+ does not reach $ topics [MQTT-4.7.2-1]'],
  ['#', '+/x', true, '# covers + filters that cannot reach $ topics [MQTT-4.7.2-1]'],
  ['$SYS/#', '$SYS/+/x', true, 'explicit $ prefixes cover each other'],
  ['a', 'a/#', false, 'a/# also matches a/b'],
];
for (const [outer, inner, expected, why] of covers) {
  test(`filterCovers(${JSON.stringify(outer)}, ${JSON.stringify(inner)}) is ${expected}: ${why}`, () => {
    assert.equal(filterCovers(outer, inner), expected);
  });
}
