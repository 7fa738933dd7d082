/**
 * The public contract of presence on the client (P4): what `space.presence` is. A device says where its
 * head, hands and pointing ray are (in the space frame) and an app-defined state; every device whose
 * region covers the cell it is in sees it as a peer. Nothing of it is stored.
 */
import type { Pose, PresenceRay } from '@cairn/shared';

export type { PresenceRay };

/** This device's presence. `null` for a hand or the ray takes it away; omitted keys keep their value. */
export interface LocalPresence {
  head?: Pose;
  left?: Pose | null;
  right?: Pose | null;
  ray?: PresenceRay | null;
  /** App-defined JSON (≤ 1024 bytes UTF-8), sent only when it changes. */
  state?: unknown;
}

/** Another device as this one last heard of it. */
export interface PeerPresence {
  /** The sender's clientId, as the server bound it to its session. */
  peer: string;
  /** The sender's authenticated subject ('' with no auth). */
  user: string;
  /** The geohash cell the peer is in (the cell doc its latest record came through). */
  cell: string;
  head?: Pose;
  left?: Pose;
  right?: Pose;
  ray?: PresenceRay;
  state?: unknown;
  /** When the latest record arrived (the client's clock, ms). */
  updatedAt: number;
}

export type PresenceEvent = 'join' | 'change' | 'leave';

export interface SpacePresence {
  /** Merges into the local presence (poses in the space frame); sends at most `rate` Hz, coalesced per event-loop turn. */
  set(update: LocalPresence): void;
  /** Leaves: peers see this device go. */
  clear(): void;
  /** Send rate cap in Hz (1-90, default 30). */
  setRate(hz: number): void;
  readonly local: Readonly<LocalPresence> | null;
  peers(): PeerPresence[];
  get(peer: string): PeerPresence | undefined;
  on(event: PresenceEvent, cb: (peer: PeerPresence) => void): () => void;
}
