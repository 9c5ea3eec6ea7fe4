import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterAssignment } from './assignment.js';

const monitors = Array.from({ length: 300 }, (_, i) => `mon_${i}`);
const members = [
  { id: 'n1', region: 'eu' },
  { id: 'n2', region: 'us' },
  { id: 'n3', region: 'ap' },
];

test('each monitor is checked and coordinated by exactly one of three nodes; all move to a survivor', () => {
  const nodes = members.map((m) => new ClusterAssignment(m.id, () => 1));
  for (const node of nodes) node.setMembers(members);
  for (const monitorId of monitors) {
    assert.equal(nodes.filter((n) => n.checks(monitorId)).length, 1, monitorId);
    assert.equal(nodes.filter((n) => n.coordinates(monitorId)).length, 1, monitorId);
  }
  const survivor = nodes[0] as ClusterAssignment;
  survivor.setMembers([members[0] as (typeof members)[0]]);
  assert.ok(monitors.every((m) => survivor.checks(m) && survivor.coordinates(m)));
  survivor.setMembers([]);
  assert.ok(monitors.every((m) => !survivor.checks(m)));
});

test('a monitor with two locations is checked from two regions, and forget() picks up a change', () => {
  const locations = new Map<string, number>();
  const nodes = members.map((m) => new ClusterAssignment(m.id, (id) => locations.get(id) ?? 1));
  for (const node of nodes) node.setMembers(members);
  assert.equal(nodes.filter((n) => n.checks('mon_1')).length, 1);
  locations.set('mon_1', 2);
  assert.equal(nodes.filter((n) => n.checks('mon_1')).length, 1, 'cached until forgotten');
  for (const node of nodes) node.forget('mon_1');
  assert.equal(nodes.filter((n) => n.checks('mon_1')).length, 2);
  assert.equal(nodes.filter((n) => n.coordinates('mon_1')).length, 1);
});

test('how many locations check a monitor: its locations while enough regions are live, fewer when not, at least one', () => {
  const node = new ClusterAssignment('n1', () => 2);
  node.setMembers(members);
  assert.equal(node.locations('mon_1'), 2);
  node.setMembers([members[0] as (typeof members)[0]]);
  assert.equal(node.locations('mon_1'), 1);
  node.setMembers([]);
  assert.equal(node.locations('mon_1'), 1);
});
