/**
 * ④→⑤→⑦: the one durable write path, shared by native and y-websocket sessions. Validate (C3), commit
 * with the group (A2), then apply to this node's room and publish on the bus, in that order (F1).
 * The caller acks only after this resolves (A1).
 */
import type { CommitOutcome, CommitRequest } from '../store/store.js';
import type { Fanout } from '../fanout/fanout.js';
import type { Rooms } from '../room/rooms.js';
import type { RoomSubscriber } from '../room/room.js';
import type { Metrics } from '../metrics/metrics.js';
import type { GroupCommit } from './group-commit.js';
import type { ReadModelUpdater } from '../readmodel/updater.js';
import { validateUpdate } from './validate-update.js';

export interface WriteRequest extends CommitRequest {
  /** The subscriber that sent it, so the room does not echo the update back to it. */
  source: RoomSubscriber | null;
}

export interface CommitPath {
  /** Throws CairnError INVALID_UPDATE synchronously-before-commit, STORE_UNAVAILABLE or SHUTTING_DOWN. */
  write(req: WriteRequest): Promise<CommitOutcome>;
}

export function createCommitPath(deps: { group: GroupCommit; rooms: Rooms; fanout: Fanout; metrics: Metrics; readModel?: Pick<ReadModelUpdater, 'committed'> }): CommitPath {
  const { group, rooms, fanout, metrics, readModel } = deps;
  return {
    async write(req) {
      validateUpdate(req.update);
      const { source: _source, ...request } = req;
      const outcome = await group.submit(request);
      if (outcome.kind === 'committed') {
        metrics.committed.inc();
        rooms.peek(req.tenant, req.doc)?.applyCommitted(outcome.version, req.update, req.source);
        void fanout.publish(req.tenant, req.doc, outcome.version, req.update);
      } else {
        metrics.duplicates.inc();
        // C5: a duplicate's bytes need not be what the Store holds at that version (a resend may carry other
        // bytes or name another doc: the version is of the doc the push was first stored in), so they are
        // neither applied nor published. If its first committer died before publishing, the room loads what
        // it lacks from the Store instead; other nodes fill such a hole at their next update (F2).
        rooms.peek(req.tenant, req.doc)?.catchUp(outcome.version);
      }
      // Issue 4: the anchor read model follows committed cell/meta docs; it queues and never throws or
      // waits, so the ack does not depend on it. Duplicates too: their first committer may have died.
      readModel?.committed(req.tenant, req.doc, outcome.version);
      return outcome;
    },
  };
}
