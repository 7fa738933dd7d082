/**
 * P4 presence-sync replays (room/peer-poses.ts): a replayed record (another node answering a presence-sync
 * request) is kept and relayed only if the room has nothing newer for that peer's slot, so the nodes that
 * already follow the doc neither regress their cache nor resend what their subscribers saw. A live record
 * always replaces (a device that restarts counts its seq from 1 again).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@cairn/shared';
import { createPeerPoses } from '../../packages/server/src/room/peer-poses.js';
import { headRecord, readRecord } from '../support/pose-peers.js';

describe('pose replays', () => {
  it('P4: an older replay is neither cached nor relayed; a newer one is; a live record always is', () => {
    const got: number[] = [];
    const sub = { pose: (_p: string, _u: string, r: Uint8Array) => got.push(readRecord(r).seq) };
    const poses = createPeerPoses({ subscribers: new Set([sub]), timeoutMs: 5000, limits: DEFAULT_LIMITS });
    poses.remote({ peer: 'p', user: 'u', record: headRecord(10, 0), replay: false });
    poses.remote({ peer: 'p', user: 'u', record: headRecord(9, 0), replay: true });
    poses.remote({ peer: 'p', user: 'u', record: headRecord(3, 0, 0, { s: 1 }), replay: true }); // state slot was empty
    poses.remote({ peer: 'p', user: 'u', record: headRecord(11, 0), replay: true });
    poses.remote({ peer: 'p', user: 'u', record: headRecord(1, 0), replay: false }); // restarted device
    expect(got).toEqual([10, 3, 11, 1]);
    expect(poses.cached().map((r) => readRecord(r.record).seq)).toEqual([1, 3]);
  });

  it('P4: a presence-sync request replays only the peers whose latest record came from this node', () => {
    const published: Array<{ peer: string; seq: number; replay: boolean }> = [];
    const poses = createPeerPoses({
      subscribers: new Set(), timeoutMs: 5000, limits: DEFAULT_LIMITS,
      publish: (r) => published.push({ peer: r.peer, seq: readRecord(r.record).seq, replay: r.replay }),
    });
    const local = headRecord(4, 0, 0, { s: 1 });
    poses.local({}, 'mine', 'u', local, readRecord(local));
    poses.remote({ peer: 'theirs', user: 'u', record: headRecord(7, 0), replay: false });
    published.length = 0;
    poses.replay();
    expect(published).toEqual([{ peer: 'mine', seq: 4, replay: true }]);
  });
});
