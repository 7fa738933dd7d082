/**
 * ③ What the client sends on an open session. First a `sub` with the state vector of every open doc
 * (O3: the server answers with only what the replica lacks), then the whole outbox in seq order, read
 * back from the replica (not from memory: other tabs and earlier sessions wrote rows too), then every new
 * row as it is written. `sentUpTo` makes sure no seq goes out twice on one session; a new session starts
 * from 0, so everything un-acked is resent after a reconnect (O2).
 *
 * Every row goes out within the limits the session's welcome stated (A3): in fragments when its frame
 * would exceed maxPayload (push-frames.ts), and no faster than the server's push rate (push-pacer.ts).
 *
 * Status: a session is settled once every doc it subscribed got its `sync` (or a refusal). Detaching keeps
 * what the session was awaiting until the next attach: the connection detaches before it reports the phase
 * offline, and clearing it then would read as a false `synced` for that moment.
 */
import type { Replica } from '../replica/replica.js';
import type { OutboxRow } from '../replica/replica-store.js';
import type { Session } from './connection.js';
import { pushFrames } from './push-frames.js';
import { createPushPacer, type PushPacer } from './push-pacer.js';
import type { Timers } from './timers.js';

export interface PushLoopOptions {
  replica: Pick<Replica, 'outboxAfter' | 'generation'>;
  /** Ids of the docs open right now. */
  openDocs(): Iterable<string>;
  stateVector(doc: string): Uint8Array;
  timers: Timers;
  /**
   * A row whose update exceeds the server's maxUpdateBytes: it can never be sent. The loop waits for it to
   * leave the outbox before sending later seqs, or their ack (which covers every seq below) would delete it.
   */
  onOversize(row: OutboxRow, session: Session): Promise<void>;
  /** The set of docs awaiting their sync changed. */
  onChange(): void;
  onError(err: unknown): void;
}

export interface PushLoop {
  attach(session: Session): void;
  detach(session: Session): void;
  subscribe(doc: string): void;
  unsubscribe(doc: string): void;
  /** The doc's sync (or its refusal) arrived on `session`. */
  settled(session: Session, doc: string): void;
  /** True when the current session has every sync it asked for. */
  readonly settledAll: boolean;
  /** Sends outbox rows not yet sent on this session. */
  pump(): void;
}

export function createPushLoop(o: PushLoopOptions): PushLoop {
  let session: Session | null = null;
  let pacer: PushPacer | null = null;
  const subscribed = new Set<string>();
  const awaiting = new Set<string>();
  let sentUpTo = 0;
  let pumping = false;
  let again = false;

  function sub(s: Session, doc: string): void {
    if (subscribed.has(doc)) return;
    subscribed.add(doc);
    awaiting.add(doc);
    s.send({ type: 'sub', doc, stateVector: o.stateVector(doc) });
  }

  async function run(): Promise<void> {
    try {
      do {
        again = false;
        const s = session;
        if (!s) return;
        const rows = await o.replica.outboxAfter(sentUpTo, s.generation);
        const live = () => s === session && s.alive && s.generation === o.replica.generation;
        for (const row of rows) {
          if (!live()) break;
          const frames = pushFrames(row, s);
          if (!frames) {
            sentUpTo = row.seq;
            await o.onOversize(row, s);
            continue;
          }
          await pacer?.take();
          if (!live()) break;
          sentUpTo = row.seq;
          for (const bytes of frames) s.sendEncoded(bytes);
        }
      } while (again);
    } finally {
      // In the same synchronous step as the last look at `again`: a pump() request can never fall between.
      pumping = false;
    }
  }

  const loop: PushLoop = {
    attach(s) {
      session = s;
      pacer = createPushPacer(s.maxPushesPerSecond, o.timers);
      sentUpTo = 0;
      subscribed.clear();
      awaiting.clear();
      for (const doc of o.openDocs()) sub(s, doc);
      o.onChange();
      loop.pump();
    },
    detach(s) {
      if (s !== session) return;
      session = null;
      subscribed.clear();
    },
    subscribe(doc) {
      if (!session) return;
      sub(session, doc);
      o.onChange();
    },
    unsubscribe(doc) {
      if (!session || !subscribed.delete(doc)) return;
      awaiting.delete(doc);
      session.send({ type: 'unsub', doc });
      o.onChange();
    },
    settled(s, doc) {
      if (s !== session || !awaiting.delete(doc)) return;
      o.onChange();
    },
    get settledAll() {
      return awaiting.size === 0;
    },
    pump() {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      void run().catch(o.onError);
    },
  };
  return loop;
}
