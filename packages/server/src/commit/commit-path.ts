/**
 * ④→⑤→⑦: the one durable write path, shared by native and y-websocket sessions. Validate (C3), commit
 * with the group (A2), then apply to this node's room and publish on the bus, in that order (F1).
 * The caller acks only after this resolves (A1).
 */
import type { CommitOutcome } from '../store/store.js';
import type { Fanout } from '../fanout/fanout.js';
import type { Rooms } from '../room/rooms.js';
import type { RoomSubscriber } from '../room/room.js';
import type { Metrics } from '../metrics/metrics.js';
import type { GroupCommit } from './group-commit.js';
import { validateUpdate } from './validate-update.js';

export interface WriteRequest {
  tenant: string;
  doc: string;
  clientId: string;
  seq: number;
  actor: string;
  update: Uint8Array;
  /** The subscriber that sent it, so the room does not echo the update back to it. */
  source: RoomSubscriber | null;
}

export interface CommitPath {
  /** Throws CairnError INVALID_UPDATE synchronously-before-commit, STORE_UNAVAILABLE or SHUTTING_DOWN. */
  write(req: WriteRequest): Promise<CommitOutcome>;
}

export function createCommitPath(deps: { group: GroupCommit; rooms: Rooms; fanout: Fanout; metrics: Metrics }): CommitPath {
  const { group, rooms, fanout, metrics } = deps;
  return {
    async write(req) {
      validateUpdate(req.update);
      const outcome = await group.submit({ tenant: req.tenant, doc: req.doc, clientId: req.clientId, seq: req.seq, actor: req.actor, update: req.update });
      if (outcome.kind === 'committed') metrics.committed.inc();
      else metrics.duplicates.inc();
      // A duplicate is applied and published again too: if the node that first committed it died before
      // publishing, this closes the gap for everyone (receivers drop versions they already hold).
      rooms.peek(req.tenant, req.doc)?.applyCommitted(outcome.version, req.update, req.source);
      void fanout.publish(req.tenant, req.doc, outcome.version, req.update);
      return outcome;
    },
  };
}
