/**
 * What every session needs from its node, handed in by the composition root (createSyncNode).
 */
import type { CommitPath } from '../commit/commit-path.js';
import type { TenantQuotas } from '../commit/tenant-quotas.js';
import type { Rooms } from '../room/rooms.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Principal } from '../auth/principal.js';
import type { ClientBinding } from '../auth/client-binding.js';
import type { Logger } from '../log/logger.js';
import type { AuditLog } from '../audit/audit-log.js';

export interface SessionLimits {
  maxPayload: number;
  /** Largest update one push may carry, in push-part fragments if it exceeds maxPayload (A3). */
  maxUpdateBytes: number;
  /** Bytes all sockets' incomplete fragmented pushes may hold together on one node (A3, S7). */
  maxAssemblyBytesPerNode: number;
  maxPreAuthFrames: number;
  maxPreAuthBytes: number;
  helloTimeoutMs: number;
  maxDocsPerSocket: number;
  maxSubsPerSecond: number;
  maxLoadsPerSocket: number;
  maxPushesPerSecond: number;
  maxBufferedBytes: number;
  maxPresencePerSecond: number;
  maxPresenceStateBytes: number;
  maxPresenceDepth: number;
  maxPresenceEntries: number;
  /** Presence records (P4): pose frames per second per socket, app-state bytes, when a silent peer is gone. */
  maxPosesPerSecond: number;
  maxPresenceAppStateBytes: number;
  presenceTimeoutMs: number;
  heartbeatMs: number;
}

export interface SessionContext {
  nodeId: string;
  limits: SessionLimits;
  verify(token: string): Promise<Principal>;
  /** Binds hello's clientId to its principal (C5). */
  clients: ClientBinding;
  rooms: Rooms;
  commit: CommitPath;
  /** Per-tenant connection quota: a session holds one slot from hello to close. */
  quotas: Pick<TenantQuotas, 'connect'>;
  metrics: Metrics;
  log: Logger;
  /** L4: refusals and connects are recorded here; it only queues. */
  audit: Pick<AuditLog, 'record'>;
  /** L3: the database's epoch for welcome (protocol 4 on); session/epoch-cache.ts. */
  epoch(): Promise<string>;
  /** True once graceful shutdown began: new pushes get SHUTTING_DOWN. */
  shuttingDown(): boolean;
}

/** A session the node can tell to go away at shutdown. */
export interface LiveSession {
  shutdown(): void;
  /** performance.now() of the last frame received; sessions without a heartbeat omit it. */
  lastActivity?(): number;
  /** Closes a session whose peer fell silent (HEARTBEAT_TIMEOUT). */
  expire?(): void;
}
