/**
 * Prometheus metrics (DESIGN.md section 9), one registry per server so tests can run many in a process.
 * Stages receive small observer objects built here; they never import prom-client themselves.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GroupCommitObserver } from '../commit/group-commit.js';
import type { FanoutObserver } from '../fanout/fanout.js';
import type { RoomsObserver } from '../room/rooms.js';
import type { SharedLoadsObserver } from '../cache/shared-loads.js';
import type { ReadModelObserver } from '../readmodel/updater.js';
import type { AuditObserver } from '../audit/audit-log.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const r = [registry];
  const commitSeconds = new Histogram({ name: 'cairn_commit_seconds', help: 'Duration of one group commit transaction', buckets: LATENCY_BUCKETS, labelNames: ['ok'], registers: r });
  const commitBatch = new Histogram({ name: 'cairn_commit_batch_size', help: 'Updates per group commit', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], registers: r });
  const ackSeconds = new Histogram({ name: 'cairn_ack_seconds', help: 'From push received to ack sent', buckets: LATENCY_BUCKETS, registers: r });
  const connections = new Gauge({ name: 'cairn_connections', help: 'Open sockets', labelNames: ['endpoint'], registers: r });
  const docsOpen = new Gauge({ name: 'cairn_docs_open', help: 'Rooms held in memory (held or warm)', registers: r });
  const rejected = new Counter({ name: 'cairn_rejected_frames_total', help: 'Frames or pushes rejected, by error code', labelNames: ['code'], registers: r });
  const committed = new Counter({ name: 'cairn_updates_committed_total', help: 'Updates committed (duplicates excluded)', registers: r });
  const duplicates = new Counter({ name: 'cairn_updates_duplicate_total', help: 'Resent pushes acknowledged again without storing (C1)', registers: r });
  const cache = new Counter({ name: 'cairn_cache_lookups_total', help: 'Lookups by cache level (l1 the joining replica, l2 this node, l3 Redis) and result', labelNames: ['level', 'result'], registers: r });
  // DESIGN.md section 7: where room loads started, and what L3 did (cache/shared-loads.ts).
  const roomLoads = new Counter({ name: 'cairn_room_loads_total', help: 'Room loads by where they started: the Store (snapshot and log) or an L3 snapshot', labelNames: ['source'], registers: r });
  const l3Discarded = new Counter({ name: 'cairn_l3_discarded_total', help: 'L3 snapshots not used: another epoch, ahead of the Store head, or rows after them trimmed', labelNames: ['reason'], registers: r });
  const l3Waits = new Counter({ name: 'cairn_l3_waits_total', help: "Waits for another node's load of a doc, by how they ended", labelNames: ['outcome'], registers: r });
  const l3Puts = new Counter({ name: 'cairn_l3_puts_total', help: 'Snapshots put in L3, by result (stored, kept: a newer one was there, too_big, error)', labelNames: ['result'], registers: r });
  const published = new Counter({ name: 'cairn_fanout_published_total', help: 'Bus publishes after commit', labelNames: ['ok'], registers: r });
  const delivered = new Counter({ name: 'cairn_fanout_delivered_total', help: 'Bus messages delivered from other nodes', registers: r });
  const busDropped = new Counter({ name: 'cairn_fanout_dropped_total', help: 'Bus messages skipped', labelNames: ['reason'], registers: r });
  const quarantined = new Counter({ name: 'cairn_quarantined_updates_total', help: 'Log rows that did not apply on load and were quarantined by this node (C4)', registers: r });
  const repaired = new Counter({ name: 'cairn_fanout_repaired_updates_total', help: 'Updates loaded from the Store to fill bus gaps (F2)', registers: r });
  // P4: presence records. Relayed counts records handed to sockets (one record to n receivers is n), whether
  // each went alone (peer-pose) or with others of its turn (peer-poses).
  const posesRelayed = new Counter({ name: 'cairn_poses_relayed_total', help: 'presence records relayed to sockets, alone or batched (P4)', registers: r });
  const posesDropped = new Counter({ name: 'cairn_poses_dropped_total', help: 'Presence records dropped: over the socket rate (rate_limited), or not sent to a socket behind on reading (slow_reader)', labelNames: ['reason'], registers: r });
  // The anchor read model (readmodel/updater.ts).
  const readModelLag = new Histogram({ name: 'cairn_readmodel_lag_seconds', help: 'From a commit on this node to the anchor read model reflecting it', buckets: [...LATENCY_BUCKETS, 5, 10, 30, 60], registers: r });
  const readModelFailures = new Counter({ name: 'cairn_readmodel_failures_total', help: 'Anchor read model updates that failed (each is retried)', registers: r });
  const readModelRetrying = new Gauge({ name: 'cairn_readmodel_docs_retrying', help: 'Docs whose read model update waits for a retry', registers: r });
  // L4: the audit log (audit/audit-log.ts) and its retention (audit/audit-retention.ts).
  const auditWritten = new Counter({ name: 'cairn_audit_rows_written_total', help: 'Audit rows written to the Store (one row may stand for several equal events)', registers: r });
  const auditDropped = new Counter({ name: 'cairn_audit_events_dropped_total', help: 'Audit events lost: queue full (overflow), batch refused by the Store (failed), not written by shutdown (shutdown)', labelNames: ['reason'], registers: r });
  const auditQueued = new Gauge({ name: 'cairn_audit_queued_rows', help: 'Audit rows waiting to be written', registers: r });
  const auditFailures = new Counter({ name: 'cairn_audit_write_failures_total', help: 'Audit batches the Store did not take', registers: r });
  // Issue 13: cell entries the purge (purge/purger.ts) rewrote, by reason.
  const anchorsPurged = new Counter({ name: 'cairn_anchors_purged_total', help: 'Anchor entries purged from cell docs by this node, by reason (expired, deleted, tombstone, forwarded)', labelNames: ['reason'], registers: r });
  const auditExpired = new Counter({ name: 'cairn_audit_rows_expired_total', help: 'Audit rows deleted by retention (CAIRN_AUDIT_RETENTION_DAYS)', registers: r });
  // Compaction (compact/): what this node trimmed from the log below the history window.
  const historyRowsTrimmed = new Counter({ name: 'cairn_history_rows_trimmed_total', help: 'Log rows deleted by compaction below the history window (CAIRN_HISTORY_DAYS)', registers: r });
  const historyBytesTrimmed = new Counter({ name: 'cairn_history_bytes_trimmed_total', help: 'Update bytes of the log rows compaction deleted', registers: r });

  const commitObserver: GroupCommitObserver = {
    batch(size, seconds, ok) {
      commitSeconds.observe({ ok: String(ok) }, seconds);
      if (ok) commitBatch.observe(size);
    },
  };
  const fanoutObserver: FanoutObserver = {
    published: (ok) => published.inc({ ok: String(ok) }),
    delivered: () => delivered.inc(),
    dropped: (reason) => busDropped.inc({ reason }),
  };
  const roomsObserver: RoomsObserver = {
    cache: (hit, level = 'l2') => cache.inc({ level, result: hit ? 'hit' : 'miss' }),
    loaded: (source) => roomLoads.inc({ source }),
    l1: (hit) => cache.inc({ level: 'l1', result: hit ? 'hit' : 'miss' }),
    open: (count) => docsOpen.set(count),
    repaired: (count) => repaired.inc(count),
    applied: () => {},
    quarantined: () => quarantined.inc(),
  };
  const sharedLoadsObserver: SharedLoadsObserver = {
    discarded: (reason) => l3Discarded.inc({ reason }),
    waited: (outcome) => l3Waits.inc({ outcome }),
    put: (result) => l3Puts.inc({ result }),
  };
  const readModelObserver: ReadModelObserver = {
    lag: (seconds) => readModelLag.observe(seconds),
    failed: () => readModelFailures.inc(),
    retrying: (count) => readModelRetrying.set(count),
  };
  const auditObserver: AuditObserver = {
    written: (rows) => auditWritten.inc(rows),
    dropped: (events, reason) => auditDropped.inc({ reason }, events),
    queued: (rows) => auditQueued.set(rows),
    failed: () => auditFailures.inc(),
  };
  const trimmed = (rows: number, bytes: number): void => {
    historyRowsTrimmed.inc(rows);
    historyBytesTrimmed.inc(bytes);
  };
  return { registry, commitObserver, auditObserver, auditExpired, anchorsPurged, trimmed, fanoutObserver, roomsObserver, sharedLoadsObserver, readModelObserver, ackSeconds, connections, rejected, committed, duplicates, posesRelayed, posesDropped };
}

export type Metrics = ReturnType<typeof createMetrics>;
