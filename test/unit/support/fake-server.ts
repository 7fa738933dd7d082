/**
 * A scripted fake Cairn server for client unit tests: it speaks the native frames over an in-memory socket
 * network, keeps one Y.Doc per doc, stores (clientId, seq) once, acks, rejects and broadcasts like the real
 * session does, and records every frame each session received so tests can assert on the wire. Tests change
 * its behaviour through `options` at any time. The real server is tested against the client in integration
 * tests; this peer only makes the client's unit tests deterministic.
 */
import * as Y from 'yjs';
import {
  PROTOCOL_VERSION, closeCodeFor, leaveRecordBytes, createMemoryNetwork, decodeFrame, encodeFrame, isRetryable, rejectFrame,
  type ClientSocketFactory, type ErrorCode, type Frame, type FrameTypeName, type HelloFrame, type PushFrame,
  type SessionSocket, type SubFrame,
} from '@cairn/shared';

export type PushAnswer = 'ack' | 'hold' | { reject: ErrorCode };

export interface FakeServerOptions {
  heartbeatMs: number;
  maxPayload: number;
  /** Stated in welcome (A3); the fake server does not reassemble push-part frames. */
  maxUpdateBytes: number;
  /** Return a code to refuse the hello: reject + close with that code, like the real session. */
  hello: (frame: HelloFrame) => ErrorCode | null;
  /** Return a code to refuse a sub (reject {doc, code}, no close). */
  sub: (frame: SubFrame) => ErrorCode | null;
  /** Subs are recorded but their sync is never sent (a server still loading the rooms). */
  holdSyncs: boolean;
  push: (frame: PushFrame, session: FakeSession) => PushAnswer;
  answerPings: boolean;
  /** Every new connection is dropped at once (close 1006), like a server that is down. */
  down: boolean;
  /** Stated in welcome (P4; 0: not stated). */
  maxPosesPerSecond: number;
  presenceTimeoutMs: number;
  /** Poses are relayed to the doc's other subscribers; false: dropped (a dead node upstream). */
  relayPoses: boolean;
  /** Stated in welcome (L3); change it to act as a restored server. */
  epoch: string;
}

export interface FakeSession {
  readonly id: number;
  clientId: string | null;
  /** Frames received from the client, in order. */
  readonly frames: Frame[];
  readonly subs: Set<string>;
  /** Docs this session sent a pose for (it gets a leave relayed when it unsubscribes or closes). */
  readonly posed: Set<string>;
  closed: { code: number; reason: string; by: 'client' | 'server' } | null;
  send(frame: Frame): void;
  close(code: number, reason: string): void;
  ack(seq: number): void;
}

export interface FakeServer {
  readonly connect: ClientSocketFactory;
  readonly options: FakeServerOptions;
  readonly sessions: FakeSession[];
  /** Connections opened so far (also those refused while `down`). */
  readonly connections: number;
  readonly docs: Map<string, Y.Doc>;
  /** Stored pushes by `${clientId}:${seq}`. */
  readonly stored: Map<string, { doc: string; update: Uint8Array }>;
  /** Every frame of a type received from clients, across sessions. */
  received<T extends FrameTypeName>(type: T): Extract<Frame, { type: T }>[];
  /** The doc on the server (created empty). */
  doc(id: string): Y.Doc;
  /** A commit by some other client: applied, versioned and sent to every subscribed session. */
  commitFromElsewhere(doc: string, update: Uint8Array): void;
  live(): FakeSession[];
  cutAll(): void;
  /** Copies of every doc, version and stored push: what a backup of the server holds now. */
  backup(): FakeBackup;
  /** Puts a backup back (L3): later commits are gone; every socket is cut. `epoch`: mark it as a new one. */
  restore(backup: FakeBackup, epoch?: string): void;
}

export interface FakeBackup {
  docs: Map<string, Uint8Array>;
  versions: Map<string, number>;
  stored: Map<string, { doc: string; update: Uint8Array }>;
}

export function createFakeServer(overrides: Partial<FakeServerOptions> = {}): FakeServer {
  const options: FakeServerOptions = {
    heartbeatMs: 10_000,
    maxPayload: 1024 * 1024,
    maxUpdateBytes: 0,
    hello: () => null,
    sub: () => null,
    holdSyncs: false,
    push: () => 'ack',
    answerPings: true,
    down: false,
    maxPosesPerSecond: 0,
    presenceTimeoutMs: 0,
    relayPoses: true,
    epoch: 'fake-epoch',
    ...overrides,
  };
  const sessions: FakeSession[] = [];
  const docs = new Map<string, Y.Doc>();
  const versions = new Map<string, number>();
  const stored = new Map<string, { doc: string; update: Uint8Array }>();
  let connections = 0;

  const doc = (id: string) => {
    let d = docs.get(id);
    if (!d) docs.set(id, (d = new Y.Doc()));
    return d;
  };

  function commit(id: string, update: Uint8Array, from: FakeSession | null): number {
    Y.applyUpdate(doc(id), update);
    const version = (versions.get(id) ?? 0) + 1;
    versions.set(id, version);
    for (const s of sessions) {
      if (s !== from && !s.closed && s.subs.has(id)) s.send({ type: 'update', doc: id, version, update });
    }
    return version;
  }

  function accept(socket: SessionSocket) {
    connections++;
    const session: FakeSession = {
      id: sessions.length + 1,
      clientId: null,
      frames: [],
      subs: new Set(),
      posed: new Set(),
      closed: null,
      send(frame) {
        if (!session.closed) socket.send(encodeFrame(frame));
      },
      close(code, reason) {
        if (session.closed) return;
        session.closed = { code, reason, by: 'server' };
        socket.close(code, reason);
      },
      ack: (seq) => session.send({ type: 'ack', seq }),
    };
    sessions.push(session);
    if (options.down) queueMicrotask(() => session.close(1006, 'server down'));
    const fail = (code: ErrorCode, extra: { seq?: number; doc?: string } = {}) => {
      session.send(rejectFrame(code, extra));
      session.close(closeCodeFor(code), code);
    };

    function onPush(frame: PushFrame): void {
      const answer = options.push(frame, session);
      if (answer === 'hold') return;
      if (answer !== 'ack') {
        if (isRetryable(answer.reject)) return fail(answer.reject, { seq: frame.seq, doc: frame.doc });
        return session.send(rejectFrame(answer.reject, { seq: frame.seq, doc: frame.doc }));
      }
      const key = `${session.clientId}:${frame.seq}`;
      if (!stored.has(key)) {
        try {
          commit(frame.doc, frame.update, session);
        } catch {
          return session.send(rejectFrame('INVALID_UPDATE', { seq: frame.seq, doc: frame.doc }));
        }
        stored.set(key, { doc: frame.doc, update: frame.update });
      }
      session.ack(frame.seq);
    }

    /** Relays a pose's record bytes unchanged to the doc's other subscribers, as the real room does (P4). */
    function relayPose(doc: string, record: Uint8Array): void {
      for (const s of sessions) {
        if (s !== session && !s.closed && s.subs.has(doc)) s.send({ type: 'peer-pose', doc, peer: session.clientId ?? '', user: '', record });
      }
    }

    function leaveAll(docs: Iterable<string>): void {
      for (const doc of [...docs]) {
        if (!session.posed.delete(doc)) continue;
        relayPose(doc, leaveRecordBytes());
      }
    }

    return {
      receive(bytes: Uint8Array) {
        if (session.closed) return;
        const frame = decodeFrame(bytes);
        session.frames.push(frame);
        if (session.clientId === null) {
          if (frame.type !== 'hello') return fail('HELLO_REQUIRED');
          const refused = options.hello(frame);
          if (refused) return fail(refused);
          session.clientId = frame.clientId;
          session.send({ type: 'welcome', protocolVersion: PROTOCOL_VERSION, nodeId: 'fake', heartbeatMs: options.heartbeatMs, maxPayload: options.maxPayload, maxUpdateBytes: options.maxUpdateBytes, maxPushesPerSecond: 0, maxPosesPerSecond: options.maxPosesPerSecond, presenceTimeoutMs: options.presenceTimeoutMs, epoch: options.epoch });
          return;
        }
        switch (frame.type) {
          case 'sub': {
            const refused = options.sub(frame);
            if (refused) return session.send(rejectFrame(refused, { doc: frame.doc }));
            session.subs.add(frame.doc);
            if (options.holdSyncs) return;
            const update = Y.encodeStateAsUpdate(doc(frame.doc), frame.stateVector);
            return session.send({ type: 'sync', doc: frame.doc, version: versions.get(frame.doc) ?? 0, writable: true, update, stateVector: Y.encodeStateVector(doc(frame.doc)) });
          }
          case 'unsub':
            session.subs.delete(frame.doc);
            leaveAll([frame.doc]);
            return;
          case 'pose':
            if (!session.subs.has(frame.doc)) return session.send(rejectFrame('FORBIDDEN', { doc: frame.doc }));
            session.posed.add(frame.doc);
            if (options.relayPoses) relayPose(frame.doc, frame.record);
            return;
          case 'push':
            return onPush(frame);
          case 'ping':
            if (options.answerPings) session.send({ type: 'pong', id: frame.id });
            return;
          default:
            return;
        }
      },
      closed(code: number, reason: string) {
        session.closed ??= { code, reason, by: 'client' };
        leaveAll(session.posed);
      },
    };
  }

  const network = createMemoryNetwork(accept);
  return {
    connect: network.connect,
    options,
    sessions,
    get connections() {
      return connections;
    },
    docs,
    stored,
    received: <T extends FrameTypeName>(type: T) =>
      sessions.flatMap((s) => s.frames.filter((f): f is Extract<Frame, { type: T }> => f.type === type)),
    doc,
    commitFromElsewhere: (id, update) => void commit(id, update, null),
    live: () => sessions.filter((s) => !s.closed),
    cutAll: () => network.cutAll(),
    backup: () => ({
      docs: new Map([...docs].map(([id, d]) => [id, Y.encodeStateAsUpdate(d)])),
      versions: new Map(versions),
      stored: new Map(stored),
    }),
    restore(b, epoch) {
      docs.clear();
      for (const [id, state] of b.docs) Y.applyUpdate(doc(id), state);
      versions.clear();
      for (const [id, v] of b.versions) versions.set(id, v);
      stored.clear();
      for (const [k, v] of b.stored) stored.set(k, v);
      if (epoch !== undefined) options.epoch = epoch;
      network.cutAll();
    },
  };
}
