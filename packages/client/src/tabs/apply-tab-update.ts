/**
 * O5, receiving side: another tab's local write, applied with origin TAB. The writing tab already put it
 * in the shared replica and outbox, so this tab writes nothing, unless it fell back to memory (O6) and no
 * longer shares the db: then it keeps the update in its own memory replica.
 */
import * as Y from 'yjs';
import { CairnError, ORIGIN } from '@cairn/shared';

export interface TabApplierOptions {
  docOf(doc: string): Y.Doc | undefined;
  sharesReplica(): boolean;
  keep(doc: string, update: Uint8Array): Promise<void>;
  /** The shared outbox holds a new row: count it and push it. */
  onApplied(): void;
  onError(err: unknown): void;
}

export function createTabApplier(o: TabApplierOptions): (doc: string, update: Uint8Array) => void {
  return (doc, update) => {
    const ydoc = o.docOf(doc);
    if (ydoc) {
      try {
        Y.applyUpdate(ydoc, update, ORIGIN.TAB);
      } catch (err) {
        o.onError(new CairnError('INVALID_UPDATE', `another tab sent an update for ${doc} that does not apply`, { cause: err }));
        return;
      }
    }
    if (!o.sharesReplica()) void o.keep(doc, update).catch(o.onError);
    o.onApplied();
  };
}
