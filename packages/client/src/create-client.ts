/**
 * The composition root: builds each stage of the client and wires them together. The path of one
 * edit runs open-docs → outbox/local-writer → replica → socket/push-loop → (server) → inbound → outbox/settle;
 * remote updates run socket/connection → inbound/route-frames → inbound/apply-remote → replica.
 */
import * as Y from 'yjs';
import { CairnError, DEFAULT_LIMITS, newClientId, toCairnError } from '@cairn/shared';
import type { CairnClient, CairnClientEvents, CairnClientOptions } from './client-api.js';
import { createEmitter } from './emitter.js';
import { createRemoteApplier } from './inbound/apply-remote.js';
import { createDocDeletion } from './inbound/doc-deletion.js';
import { createFrameRouter } from './inbound/route-frames.js';
import { createRestoreRepush } from './inbound/restore-repush.js';
import { createOpenDocs, type Stored } from './open-docs.js';
import { createDeadLetters } from './outbox/dead-letters.js';
import { createLocalWriter } from './outbox/local-writer.js';
import { createPresenceLink } from './presence/presence-link.js';
import { createPendingCount } from './outbox/pending-count.js';
import { createSettle } from './outbox/settle.js';
import { UndeliverableError, createUndeliverable } from './outbox/undeliverable.js';
import { DEFAULT_COMPACT_THRESHOLD } from './replica/compactor.js';
import { openDexieStore } from './replica/dexie-store.js';
import { createMemoryStore, type MemorySeed } from './replica/memory-store.js';
import { createReplica } from './replica/replica.js';
import { isCellDoc } from './replica/eviction.js';
import { checkReplicaOptions, createEvictor, DEFAULT_EVICT_AFTER_MS, DEFAULT_RETRY_PERSIST_MS } from './replica/evictor.js';
import { DEFAULT_BACKOFF } from './socket/backoff.js';
import { browserSocket } from './socket/browser-socket.js';
import { createConnection } from './socket/connection.js';
import { defaultNetworkEvents, initiallyOnline, watchNetwork } from './socket/network-events.js';
import { createHttpProbe } from './socket/probe.js';
import { createPushLoop } from './socket/push-loop.js';
import { checkServerUrl } from './socket/server-url.js';
import { createStatusTracker } from './socket/status.js';
import { systemTimers } from './socket/timers.js';
import { createSettledGate } from './spatial/settled-gate.js';
import { createSpaces } from './spatial/spaces.js';
import { createHistoryReads } from './history/history-reads.js';
import { createTabApplier } from './tabs/apply-tab-update.js';
import { createTabChannel, defaultTabPortFactory } from './tabs/tab-channel.js';
import { createDeviceAlignments } from './xr/device-alignment.js';

export function createCairnClient(options: CairnClientOptions): CairnClient {
  // Before anything opens: a bad URL throws here instead of failing every connect (O4).
  const url = checkServerUrl(options.url, options.socket !== undefined);
  const dbName = options.dbName ?? 'cairn';
  const now = options.now ?? Date.now;
  const compactThreshold = options.compactThreshold ?? DEFAULT_COMPACT_THRESHOLD;
  checkReplicaOptions(options.replica);
  // Housekeeping on a period of minutes: off the connection's clock, so virtual-time tests of backoff and
  // heartbeats see only their own timers.
  const replicaTimers = options.replica?.timers ?? systemTimers;
  const events = createEmitter<CairnClientEvents>();
  // Stages report whatever they caught; the app's handler always gets a coded error (client-api.ts).
  const reportError = (err: unknown) => events.emit('error', toCairnError(err));
  const memory = (seed: Omit<MemorySeed, 'compactThreshold'>) => createMemoryStore({ ...seed, compactThreshold });
  let destroyed = false;

  const status = createStatusTracker(
    { phase: 'offline', settled: true, pending: 0, undeliverable: 0, persisting: options.persistence !== 'memory' },
    (s) => events.emit('status', s),
    () => new UndeliverableError(undeliverable.edits),
  );

  const docs = createOpenDocs({
    load: (id) => replica.loadDocMarked(id),
    loadCellIndex: (id) => replica.loadCellIndex(id),
    onLocalUpdate: (id, update) => writer.enqueue(id, update),
  });

  const replica = createReplica({
    open: (onFailure) =>
      options.persistence === 'memory'
        ? Promise.resolve(memory({ clientId: newClientId() }))
        : openDexieStore({ dbName, indexedDB: options.indexedDB, IDBKeyRange: options.IDBKeyRange, compactThreshold, onFailure }),
    memory,
    openDocStates: () => docs.states(),
    onStorageError: (event) => {
      status.update({ persisting: false });
      events.emit('storage-error', event);
    },
    onSwitched: () => {
      pending.refresh();
      undeliverable.refresh();
      connection.restart();
    },
    makeRoom: (store, keep) => evictor.pass(store, 'quota', keep).then(() => undefined),
    onResumed: () => status.update({ persisting: true }),
    timers: replicaTimers,
    retryPersistMs: options.replica?.retryPersistMs ?? DEFAULT_RETRY_PERSIST_MS,
  });

  const evictor = createEvictor({
    evictAfterMs: options.replica?.evictAfterMs ?? DEFAULT_EVICT_AFTER_MS,
    maxCells: options.replica?.maxCells,
    now,
    heldIds: () => docs.ids().filter(isCellDoc),
    held: (id) => docs.get(id) !== undefined,
    timers: replicaTimers,
    onEvicted: (result) => events.emit('cells-evicted', result),
    onError: reportError,
  });

  /** A clientId renewal after CLIENT_ID_TAKEN (C5); the next hello waits for it. */
  let renewing: Promise<void> = Promise.resolve();

  const pending = createPendingCount(() => replica.outboxSize(), (n) => status.update({ pending: n }));
  const undeliverable = createUndeliverable(() => replica.deadLetters(), (n) => status.update({ undeliverable: n }));

  const tabs = createTabChannel({
    factory: options.broadcastChannel === undefined ? defaultTabPortFactory() : options.broadcastChannel,
    dbName,
    onUpdate: createTabApplier({
      docOf: (id) => docs.get(id),
      sharesReplica: () => replica.persisting,
      keep: (id, update) => replica.writeRemote(id, update, null),
      onApplied: () => {
        pending.refresh();
        pushLoop.pump();
      },
      onError: reportError,
    }),
    onOutboxChanged: () => {
      pending.refresh();
      undeliverable.refresh();
    },
  });

  const writer = createLocalWriter({
    write: (writes, at) => replica.writeLocal(writes, at),
    now,
    onQueued: () => pending.queued(),
    onWritten: (written, dequeued) => {
      pending.written(written.length, dequeued);
      for (const w of written) tabs.postUpdate(w.doc, w.update);
      pushLoop.pump();
    },
    onError: (err, dequeued) => {
      pending.dropped(dequeued);
      reportError(err);
    },
  });

  const outboxChanged = () => {
    pending.refresh();
    tabs.postOutboxChanged();
  };
  const settle = createSettle({
    replica,
    now,
    onRejected: (r) => {
      // L3: a re-push refused for another principal's Yjs client is retried later, not reported.
      if (restore.refused(r)) return;
      // Counted before the outbox re-read can show the row gone: no false `synced` in between.
      if (r.seq !== null && r.doc !== null) undeliverable.added({ seq: r.seq, doc: r.doc, code: r.code });
      events.emit('rejected', r);
    },
    onChanged: outboxChanged,
  });

  const pushLoop = createPushLoop({
    replica,
    openDocs: () => docs.ids(),
    stateVector: (id) => Y.encodeStateVector(docs.get(id) ?? new Y.Doc()),
    timers: options.timers ?? systemTimers,
    onOversize: (row, session) =>
      settle.reject(
        {
          type: 'reject', code: 'UPDATE_TOO_LARGE', seq: row.seq, doc: row.doc,
          message: `the update has ${row.update.byteLength} bytes; the server accepts up to ${session.maxUpdateBytes}`,
        },
        session.generation,
      ),
    onChange: () => status.update({ settled: pushLoop.settledAll }),
    onError: reportError,
  });

  const presence = createPresenceLink({ onError: reportError });

  const deletion = createDocDeletion({
    replica,
    unindex: (id) => spaces.docDeleted(id),
    close: async (id) => {
      if (!(await docs.close(id))) return false;
      pushLoop.unsubscribe(id);
      presence.unsubscribed(id);
      return true;
    },
    flush: () => writer.flush(),
    now,
    onDeadLettered: (letter) => {
      undeliverable.added({ seq: letter.seq, doc: letter.doc, code: letter.code });
      events.emit('rejected', { seq: letter.seq, doc: letter.doc, code: letter.code, message: letter.message });
      outboxChanged();
    },
    onDeleted: (e) => events.emit('doc-deleted', e),
  });
  const restore = createRestoreRepush({
    replica,
    openDoc: (id) => (docs.ids().includes(id) ? docs.get(id) : undefined),
    now,
    timers: options.timers ?? systemTimers,
    subscribe: (id) => pushLoop.subscribe(id),
    unsubscribe: (id) => pushLoop.unsubscribe(id),
    onRepushed: () => {
      pending.refresh();
      tabs.postOutboxChanged();
      pushLoop.pump();
    },
    onDiscarded: () => {
      undeliverable.refresh();
      tabs.postOutboxChanged();
    },
    onError: reportError,
  });

  const router = createFrameRouter({
    remote: createRemoteApplier({ replica, docOf: (id) => docs.get(id), onError: reportError }),
    restore,
    settle,
    pushLoop,
    presence,
    onRejected: (r) => events.emit('rejected', r),
    onDocDeleted: (doc, message) => deletion.deleted(doc, message),
    onError: reportError,
  });

  const deadLetters = createDeadLetters({
    replica,
    now,
    onRequeued: (seq) => {
      pending.written(1, 0);
      undeliverable.removed(seq);
      tabs.postOutboxChanged();
      pushLoop.pump();
    },
    onChanged: (seq) => {
      undeliverable.removed(seq);
      tabs.postOutboxChanged();
    },
  });

  const connection = createConnection({
    url,
    socket: options.socket ?? browserSocket,
    credentials: async () => {
      await replica.ready;
      await renewing;
      const token = typeof options.token === 'function' ? await options.token() : (options.token ?? '');
      return { clientId: replica.clientId, generation: replica.generation, token };
    },
    timers: options.timers ?? systemTimers,
    random: options.random ?? Math.random,
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    heartbeatMs: options.heartbeatMs,
    defaultHeartbeatMs: DEFAULT_LIMITS.heartbeatMs,
    networkOnline: options.networkEvents === undefined ? initiallyOnline() : true,
    probe: options.probe === undefined ? createHttpProbe() : options.probe,
    onPhase: (phase) => status.update({ phase }),
    onOpen: (session) => {
      presence.attach(session);
      pushLoop.attach(session);
      void restore.resubscribe(session).catch(reportError);
    },
    onClose: (session) => {
      pushLoop.detach(session);
      presence.detach(session);
    },
    onFrame: (frame, session) => router.route(frame, session),
    onFatal: (err) => {
      events.emit('error', err);
      status.fail(err);
    },
    onClientIdTaken: (taken) => {
      renewing = renewing.then(() => replica.renewClientId(taken)).catch(reportError);
    },
    onError: reportError,
  });
  const unwatchNetwork = watchNetwork(
    options.networkEvents === undefined ? defaultNetworkEvents() : options.networkEvents,
    (online) => connection.setNetworkOnline(online),
  );

  const openDoc = async (docId: string, stored?: Stored): Promise<Y.Doc> => {
    if (destroyed) throw new CairnError('BAD_REQUEST', 'the client was destroyed');
    const doc = await docs.open(docId, stored);
    pushLoop.subscribe(docId);
    // Visits matter only to eviction, which only takes cell docs.
    if (isCellDoc(docId)) void replica.visit([docId], now()).catch(reportError);
    return doc;
  };
  const closeDoc = async (docId: string): Promise<void> => {
    if (await docs.close(docId)) {
      pushLoop.unsubscribe(docId);
      presence.unsubscribed(docId);
      if (isCellDoc(docId)) await replica.visit([docId], now()).catch(reportError);
    }
    await writer.flush();
  };

  const history = createHistoryReads({
    url: options.url,
    token: async () => (typeof options.token === 'function' ? await options.token() : (options.token ?? '')),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  const settledGate = createSettledGate(() => status.current, (fn) => events.on('status', fn));
  const spaces = createSpaces({
    open: openDoc,
    close: closeDoc,
    mark: (docId) => docs.mark(docId),
    saveCellIndex: (docId, mark, input) => replica.saveCellIndex(docId, mark, input),
    replicaId: () => replica.clientId || null,
    timers: options.timers ?? systemTimers,
    now,
    settled: () => settledGate.wait(),
    onError: reportError,
    presence,
    stored: () => writer.flush(),
    history,
  });

  const alignments = createDeviceAlignments({
    load: (space) => replica.loadAlignment(space),
    save: (space, record) => replica.saveAlignment(space, record),
    now,
    onError: reportError,
  });

  void replica.ready.then(() => {
    if (destroyed) return;
    status.update({ persisting: replica.persisting });
    pending.refresh();
    undeliverable.refresh();
    connection.start();
    evictor.start(replica);
  });

  return {
    open: openDoc,
    close: closeDoc,
    openAt: (docId, target) => history.openAt(docId, target),
    anchorsAt: (space, at, query) => history.anchorsAt(space, at, query),
    get status() {
      return status.current;
    },
    get persisting() {
      return status.current.persisting;
    },
    get clientId() {
      return replica.clientId || null;
    },
    on: (event, fn) => events.on(event, fn),
    off: (event, fn) => events.off(event, fn),
    deadLetters,
    goOffline: () => connection.goOffline(),
    goOnline: () => connection.goOnline(),
    whenSynced: () => (destroyed ? Promise.reject(new CairnError('BAD_REQUEST', 'the client was destroyed')) : status.whenSynced()),
    flush: () => writer.flush(),
    space: (name, opts) => {
      if (destroyed) throw new CairnError('BAD_REQUEST', 'the client was destroyed');
      return spaces.space(name, opts);
    },
    alignment: (space, opts) => {
      if (destroyed) throw new CairnError('BAD_REQUEST', 'the client was destroyed');
      return alignments.alignment(space, opts);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      evictor.stop();
      unwatchNetwork();
      connection.destroy();
      settledGate.open();
      await spaces.closeAll();
      for (const id of docs.ids()) await docs.close(id);
      await writer.flush();
      await alignments.idle();
      await router.idle();
      tabs.close();
      await replica.close();
      status.fail(new CairnError('BAD_REQUEST', 'the client was destroyed'));
      events.clear();
    },
  };
}
