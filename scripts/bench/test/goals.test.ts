/**
 * The goal sentences of `bench:broker`: a missed latency goal is reported with the floor a bare
 * Node relay set in the same run, so a reader can tell the broker's cost from the runtime's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missedGoals, noSlopeNotes, type GoalInputs } from '../goals.js';

function inputs(p99: GoalInputs['p99'], p99Rounds: GoalInputs['p99Rounds'] = {}): GoalInputs {
  return { qos0: {}, qos1: {}, p99, p99Warmup: {}, idleBytes: {}, idleAverage: {}, p99Rounds, idleRounds: {}, idleAverageRounds: {} };
}

test('a missed p99 goal names the bare Node relay as the floor when that relay is itself above Mosquitto', () => {
  const [sentence, ...rest] = missedGoals(inputs({ ours: 0.41, mosquitto: 0.32, net: 0.38 }, { ours: [0.4, 0.42], mosquitto: [0.3, 0.33], net: [0.37, 0.39] }));
  assert.equal(rest.length, 0);
  assert.match(sentence!, /0\.41 vs 0\.32 ms/);
  assert.match(sentence!, /bare Node relay .* measured 0\.38 ms .*per run 0\.37–0\.39 ms.*itself above Mosquitto/);
  assert.match(sentence!, /ours is 0\.03 ms above it/);
});

test('a relay at or below Mosquitto is reported as such, not as a floor', () => {
  const [sentence] = missedGoals(inputs({ ours: 0.41, mosquitto: 0.32, net: 0.3 }));
  assert.match(sentence!, /measured 0\.30 ms .*at or below Mosquitto/);
  assert.doesNotMatch(sentence!, /floor of a Node process/);
  const [below] = missedGoals(inputs({ ours: 0.36, mosquitto: 0.32, net: 0.38 }));
  assert.match(below!, /ours is 0\.02 ms below it/);
});

test('without the relay measured the sentence makes no floor claim, and a met goal makes no sentence', () => {
  const [sentence] = missedGoals(inputs({ ours: 0.41, mosquitto: 0.32 }));
  assert.doesNotMatch(sentence!, /bare Node relay/);
  assert.deepEqual(missedGoals(inputs({ ours: 0.3, mosquitto: 0.32, net: 0.38 })), []);
});

test('rounds whose RSS fell between the idle readings are named, not averaged into the slope', () => {
  const m = { ...inputs({}), idleRounds: { ours: [2300, 2400, 2500], aedes: [12600] }, idleAverageRounds: { ours: [2900, 2800, 2950], aedes: [7100, 7200, 10400], net: [2300] } };
  const notes = noSlopeNotes(m, 8000);
  assert.equal(notes.length, 2);
  assert.match(notes[0]!, /^aedes: in 2 of 3 rounds RSS fell from 4000 to 8000 .* median of the others\.$/);
  assert.match(notes[1]!, /^net: in 1 of 1 rounds .* cell is n\/a\.$/);
});
