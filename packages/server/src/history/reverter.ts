/**
 * L2: revert a doc, a whole space, or one anchor to an earlier state. Each changed doc gets ONE new update
 * (revert-update.ts, anchor-restore.ts) committed through the normal commit path: validated against the
 * room, durable before this resolves, applied to the room, published to other nodes, folded into the read
 * model; connected replicas receive it as an `update`, offline ones at their next `sub` (O3), and both
 * merge it like any edit.
 *
 * The revert writes as the caller: actor = the principal's subject, under a fresh clientId bound to that
 * subject (C5), seq 0, 1, … per changed doc. A space revert is one commit per doc, not one transaction:
 * a failure part way leaves the docs before it reverted, and the error says which were (the record lists
 * them); running the same revert again finishes it.
 *
 * What it did is returned as a RevertRecord and handed to `onRevert` (the audit log's hook, L4).
 */
import { CairnError, cellOfDocId, metaDocId, newClientId, parseDocId } from '@cairn/shared';
import type { Store } from '../store/store.js';
import type { CommitPath } from '../commit/commit-path.js';
import type { Principal } from '../auth/principal.js';
import { canRead, canWrite } from '../auth/access.js';
import { describeTarget, type HistoryTarget } from './history-target.js';
import { readDocAt, resolveVersion } from './doc-at.js';
import { revertUpdate } from './revert-update.js';
import { holdsAnchor, restoreAnchorUpdate } from './anchor-restore.js';

export interface RevertedDoc {
  doc: string;
  /** The version whose content was restored (for an anchor: of that anchor's keys only). */
  from: number;
  /** The head the revert was computed against. */
  head: number;
  /** The version the revert was committed as; null when the doc already held that content. */
  version: number | null;
  bytes: number;
}

export interface RevertRecord {
  tenant: string;
  space: string;
  actor: string;
  /** The clientId the revert's updates were committed under. */
  clientId: string;
  scope: 'doc' | 'space' | 'anchor';
  /** The doc id, the space, or the anchor id. */
  target: string;
  /** `version n` or an ISO time. */
  to: string;
  docs: RevertedDoc[];
  at: Date;
}

export interface Reverter {
  revertDoc(principal: Principal, doc: string, target: HistoryTarget): Promise<RevertRecord>;
  revertSpace(principal: Principal, space: string, at: Date): Promise<RevertRecord>;
  revertAnchor(principal: Principal, space: string, id: string, at: Date): Promise<RevertRecord>;
}

export interface ReverterOptions {
  store: Store;
  commit: CommitPath;
  /** Called once per revert that committed or found nothing to do; a throw is logged by the caller, never undoes it. */
  onRevert?: (record: RevertRecord) => void;
}

function authorize(p: Principal, space: string): void {
  if (!canRead(p, space)) throw new CairnError('FORBIDDEN', 'the token may not read this space');
  if (!canWrite(p, space)) throw new CairnError('READ_ONLY', 'a revert writes: the token may only read this space');
}

export function createReverter(opts: ReverterOptions): Reverter {
  const { store, commit } = opts;

  async function run(p: Principal, scope: RevertRecord['scope'], space: string, target: string, to: string,
    plan: (write: (doc: string, from: number, head: number, update: Uint8Array | null) => Promise<void>) => Promise<void>): Promise<RevertRecord> {
    authorize(p, space);
    const clientId = `revert-${newClientId()}`;
    const record: RevertRecord = { tenant: p.tenant, space, actor: p.subject, clientId, scope, target, to, docs: [], at: new Date() };
    let seq = 0;
    let claimed = false;
    await plan(async (doc, from, head, update) => {
      if (!update) {
        record.docs.push({ doc, from, head, version: null, bytes: 0 });
        return;
      }
      if (!claimed) {
        // C5: the id is fresh, so the claim always wins; it makes the binding durable like a replica's.
        await store.claimClient(p.tenant, clientId, p.subject);
        claimed = true;
      }
      const outcome = await commit.write({ tenant: p.tenant, doc, clientId, seq: seq++, actor: p.subject, update, source: null });
      record.docs.push({ doc, from, head, version: outcome.version, bytes: update.byteLength });
    });
    opts.onRevert?.(record);
    return record;
  }

  return {
    revertDoc(p, doc, target) {
      const { space } = parseDocId(doc);
      return run(p, 'doc', space, doc, describeTarget(target), async (write) => {
        const { version } = await resolveVersion(store, p.tenant, doc, target);
        const r = await revertUpdate(store, p.tenant, doc, version);
        await write(doc, version, r.head, r.update);
      });
    },

    revertSpace(p, space, at) {
      return run(p, 'space', space, space, at.toISOString(), async (write) => {
        for (const doc of await store.listDocs(p.tenant, space)) {
          const { version } = await resolveVersion(store, p.tenant, doc, { at });
          const r = await revertUpdate(store, p.tenant, doc, version);
          await write(doc, version, r.head, r.update);
        }
      });
    },

    revertAnchor(p, space, id, at) {
      return run(p, 'anchor', space, id, at.toISOString(), async (write) => {
        const meta = metaDocId(space);
        for (const doc of await store.listDocs(p.tenant, space)) {
          if (doc === meta || cellOfDocId(doc)?.space !== space) continue;
          const head = await readDocAt(store, p.tenant, doc, { version: await store.headVersion(p.tenant, doc) });
          const old = await readDocAt(store, p.tenant, doc, { at });
          try {
            if (!holdsAnchor(head.ydoc, id) && !holdsAnchor(old.ydoc, id)) continue;
            await write(doc, old.version, head.version, restoreAnchorUpdate(head.ydoc, old.ydoc, id));
          } finally {
            head.ydoc.destroy();
            old.ydoc.destroy();
          }
        }
      });
    },
  };
}

