/**
 * P4 on two real server processes sharing the real Postgres and Redis of this machine: a presence record
 * crosses nodes (bus message kind 3) with the sender's server-set identity, its leave too, and a joiner on
 * node B, whose room there is new, gets node A's peers' state and pose through the presence-sync request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEFAULT_LIMITS, decodePresenceRecord, leaveRecordBytes, type ClientSocket } from '@cairn/shared';
import { issueToken } from '@cairn/server';
import { headRecord, posePeer } from '../support/pose-peers.js';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';

const iso = isolatedEnv('it_pose_two_nodes');
let a: ServerProcess;
let b: ServerProcess;
let alice: string;
let bob: string;

const ws = (url: string) => (u: string) => new WebSocket(`${url}${u}`) as unknown as ClientSocket;
const peer = (node: ServerProcess, clientId: string, token: string, docs: string[]) => posePeer(ws(node.wsUrl), clientId, { token, docs, url: '/v1/sync' });

beforeAll(async () => {
  alice = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'alice', spaces: { '*': 'rw' } });
  bob = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'bob', spaces: { '*': 'r' } });
  [a, b] = await Promise.all([startServer({ ...iso.env, CAIRN_NODE_ID: 'node-a' }), startServer({ ...iso.env, CAIRN_NODE_ID: 'node-b' })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.kill('SIGKILL'), b?.kill('SIGKILL')]);
  await iso.drop();
});

describe('presence records on two server processes over Redis', () => {
  it("P4: a pose on node A reaches node B's subscriber with the sender's clientId and subject; its close sends a leave", async () => {
    const doc = 'site/cell-cross';
    const onB = await peer(b, 'watcher-0000001', bob, [doc]);
    const onA = await peer(a, 'poser-000000001', alice, [doc]);
    const record = headRecord(3, 1.5, -0.5, { tool: 'pen' });
    onA.send({ type: 'pose', doc, record });
    expect(await onB.next('peer-pose')).toEqual({ type: 'peer-pose', doc, peer: 'poser-000000001', user: 'alice', record });
    onA.close();
    expect(await onB.next('peer-pose')).toEqual({ type: 'peer-pose', doc, peer: 'poser-000000001', user: 'alice', record: leaveRecordBytes() });
    onB.close();
  });

  it("P4: a joiner on node B (a new room there) gets node A's peers' state and pose via presence-sync", async () => {
    const doc = 'site/cell-join';
    const onA = await peer(a, 'alice-device-01', alice, [doc]);
    onA.send({ type: 'pose', doc, record: headRecord(1, 0, 0, { color: 'red' }) });
    onA.send({ type: 'pose', doc, record: headRecord(2, 0.25) });
    onA.send({ type: 'ping', id: 1 });
    await onA.next('pong');
    const joiner = await peer(b, 'bob-device-0001', bob, [doc]);
    await until(() => joiner.frames.filter((f) => f.type === 'peer-pose').length >= 2, 'the replayed records on node B');
    const got = joiner.frames.filter((f) => f.type === 'peer-pose');
    expect(got.map((f) => [f.peer, f.user])).toEqual([['alice-device-01', 'alice'], ['alice-device-01', 'alice']]);
    const records = got.map((f) => decodePresenceRecord(f.record, DEFAULT_LIMITS));
    expect(records.map((r) => r.seq)).toEqual([1, 2]);
    expect(records[0]!.state).toEqual({ color: 'red' });
    expect(records[1]!.head?.p).toEqual([0.25, 1.6, 0]);
    onA.close();
    joiner.close();
  });
});
