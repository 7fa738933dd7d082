/**
 * Presence tests (P4) on the fake server: clients on one set of manual timers and clock, a space whose
 * origin sits on the east edge of its cell (x < 0 is in WEST, x > 0 in EAST), and the pose frames each
 * client sent, decoded.
 */
import { expect } from 'vitest';
import {
  DEFAULT_LIMITS, cellBounds, cellDocId, cellOf, createGeoFrame, decodePresenceRecord, type Pose, type PresenceRecord, type Vec3,
} from '@cairn/shared';
import type { CairnClient, CairnClientOptions, Space } from '@cairn/client';
import { createFakeServer, type FakeServer, type FakeServerOptions } from './fake-server.js';
import { clientOn, createManualTimers, type ManualTimers } from './client-harness.js';

const START = cellOf(48.8566, 2.3522, 7);
const EDGE = cellBounds(START);
export const ORIGIN = { lat: (EDGE.minLat + EDGE.maxLat) / 2, lon: EDGE.maxLon, alt: 0 };
export const WEST = START;
export const EAST = cellOf(ORIGIN.lat, EDGE.maxLon + 1e-5, 7);
export const SPACE = 'site';
const frame = createGeoFrame(ORIGIN);
/** A region input around a point of the space frame. */
export const around = (x: number, z: number, radiusM = 1) => ({ ...frame.toGeo([x, 0, z]), radiusM });
export const pose = (x: number, y: number, z: number, q: [number, number, number, number] = [0, 0, 0, 1]): Pose => ({ p: [x, y, z], q });
export const docOf = (cell: string) => cellDocId(SPACE, cell);

const LIMITS = { maxPresenceAppStateBytes: DEFAULT_LIMITS.maxPresenceAppStateBytes, maxPresenceDepth: DEFAULT_LIMITS.maxPresenceDepth };

export interface PresenceRig {
  server: FakeServer;
  timers: ManualTimers;
  clients: CairnClient[];
  client(opts?: Partial<CairnClientOptions>): Promise<{ client: CairnClient; space: Space }>;
  /** The pose frames a client sent (over all its sessions), records decoded. */
  sent(client: CairnClient): { doc: string; bytes: number; record: PresenceRecord }[];
  destroy(): Promise<void>;
}

export function presenceRig(server: Partial<FakeServerOptions> = {}): PresenceRig {
  const fake = createFakeServer(server);
  const timers = createManualTimers();
  const clients: CairnClient[] = [];
  return {
    server: fake,
    timers,
    clients,
    async client(opts = {}) {
      const client = clientOn(fake, { timers, now: () => timers.now, heartbeatMs: 1e9, ...opts });
      clients.push(client);
      await client.whenSynced();
      return { client, space: client.space(SPACE, { origin: ORIGIN, precision: 7 }) };
    },
    sent(client) {
      return fake.sessions
        .filter((s) => s.clientId === client.clientId)
        .flatMap((s) => s.frames)
        .flatMap((f) => (f.type === 'pose' ? [{ doc: f.doc, bytes: f.record.byteLength, record: decodePresenceRecord(f.record, LIMITS) }] : []));
    },
    destroy: () => Promise.all(clients.splice(0).map((c) => c.destroy())).then(() => undefined),
  };
}

/** Within the wire's precision: 0.5 mm position steps, ≈0.006° rotations. */
export function expectNear(actual: Pose | undefined, expected: Pose): void {
  expect(actual).toBeDefined();
  for (let i = 0; i < 3; i++) expect(Math.abs(actual!.p[i]! - expected.p[i]!)).toBeLessThanOrEqual(0.00025 + 1e-9);
  // q and -q are one rotation
  const dot = actual!.q.reduce((sum, c, i) => sum + c * expected.q[i]!, 0);
  expect(Math.abs(dot)).toBeGreaterThan(Math.cos((0.01 * Math.PI) / 180 / 2));
}

export function expectNearVec(actual: Vec3 | undefined, expected: Vec3, tol: number): void {
  expect(actual).toBeDefined();
  for (let i = 0; i < 3; i++) expect(Math.abs(actual![i]! - expected[i]!)).toBeLessThanOrEqual(tol);
}
