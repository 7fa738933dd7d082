/**
 * L3 on the client: after the server is restored to an earlier point, the replica pushes again what the
 * server lacks, as a new outbox row (a new seq, acked like any push), for docs open or only held. Detected
 * by a new epoch in welcome, or, when nobody marked the restore, by a doc's version going down.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { CairnClient } from '@cairn/client';
import { missingUpdates } from '../../packages/client/src/inbound/restore-repush.js';
import { createFakeServer, type FakeServer } from './support/fake-server.js';
import { clientOn, until } from './support/client-harness.js';

const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

function client(server: FakeServer): CairnClient {
  const c = clientOn(server, { backoff: { baseMs: 1, capMs: 5 } });
  clients.push(c);
  return c;
}

const text = (d: Y.Doc) => d.getText('t').toString();

describe('what a replica pushes back', () => {
  it('L3, C5: one update per Yjs client the server lacks, without deletions, then the deletions alone; together they rebuild the replica', () => {
    const server = new Y.Doc();
    const alice = new Y.Doc();
    const bob = new Y.Doc();
    const replica = new Y.Doc();
    server.getText('t').insert(0, 'base');
    for (const d of [alice, bob, replica]) Y.applyUpdate(d, Y.encodeStateAsUpdate(server));
    alice.getText('t').insert(4, ' alice');
    bob.getMap('m').set('k', 'bob');
    bob.getText('t').delete(0, 2);
    for (const d of [alice, bob]) Y.applyUpdate(replica, Y.encodeStateAsUpdate(d));
    const rows = missingUpdates(replica, Y.encodeStateVector(server));
    expect(rows).toHaveLength(3);
    const [first, second, deletes] = rows.map((r) => Y.decodeUpdate(r));
    expect(first!.ds.clients.size + second!.ds.clients.size).toBe(0);
    expect(new Set([...first!.structs, ...second!.structs].map((s) => s.id.client))).toEqual(new Set([alice.clientID, bob.clientID]));
    expect(first!.structs.every((s) => s.id.client === first!.structs[0]!.id.client)).toBe(true);
    expect(deletes!.structs).toHaveLength(0);
    expect(deletes!.ds.clients.size).toBe(1);
    for (const r of rows) Y.applyUpdate(server, r);
    expect(server.getText('t').toString()).toBe(replica.getText('t').toString());
    expect(server.getMap('m').toJSON()).toEqual({ k: 'bob' });
    expect(Y.encodeStateVector(server)).toEqual(Y.encodeStateVector(replica));
    // Nothing missing and nothing deleted: nothing to push.
    expect(missingUpdates(alice, Y.encodeStateVector(alice))).toEqual([]);
  });
});

describe('a replica after the server is restored', () => {
  it('L3, C1: a new epoch makes the replica push what the restored server lacks, under a new seq, and nothing is lost', async () => {
    const server = createFakeServer();
    const c = client(server);
    const doc = await c.open('site/notes');
    doc.getText('t').insert(0, 'before backup. ');
    await c.whenSynced();
    await until(() => c.status.pending === 0, 'first edit acked');
    const backup = server.backup();
    doc.getText('t').insert(doc.getText('t').length, 'acked after backup.');
    await until(() => c.status.pending === 0 && text(server.doc('site/notes')).includes('after backup'), 'second edit acked');
    const seqsBefore = server.received('push').map((p) => p.seq);

    server.restore(backup, 'epoch-after-restore');
    expect(text(server.doc('site/notes'))).toBe('before backup. ');
    await until(() => text(server.doc('site/notes')) === 'before backup. acked after backup.', 'the restored server to get the edit back');
    await until(() => c.status.pending === 0, 'the re-push acked');
    const repush = server.received('push').filter((p) => !seqsBefore.includes(p.seq));
    expect(repush).toHaveLength(1);
    expect(repush[0]!.seq).toBeGreaterThan(Math.max(...seqsBefore));
    expect(text(doc)).toBe('before backup. acked after backup.');

    // The mark moved to the new epoch: another reconnect pushes nothing more.
    const count = server.received('push').length;
    server.cutAll();
    await until(() => server.live().length === 1 && c.status.state === 'synced', 'reconnected');
    await new Promise((r) => setTimeout(r, 20));
    expect(server.received('push')).toHaveLength(count);
  });

  it('L3: a restore nobody marked (same epoch) is caught by the doc version going down', async () => {
    const server = createFakeServer();
    const c = client(server);
    const doc = await c.open('site/notes');
    doc.getText('t').insert(0, 'mine. ');
    await until(() => c.status.pending === 0 && text(server.doc('site/notes')) === 'mine. ', 'first edit acked');
    const backup = server.backup();
    doc.getText('t').insert(6, 'mine after backup. ');
    await until(() => c.status.pending === 0 && text(server.doc('site/notes')).length > 6, 'second edit acked');
    // Another device's edit: the replica sees version 3 in an update frame.
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(server.doc('site/notes')));
    const before = Y.encodeStateVector(other);
    other.getText('t').insert(0, '[other] ');
    server.commitFromElsewhere('site/notes', Y.encodeStateAsUpdate(other, before));
    await until(() => text(doc).startsWith('[other] '), 'the other edit to arrive');

    server.restore(backup); // epoch unchanged
    await until(() => text(server.doc('site/notes')) === '[other] mine. mine after backup. ', 'both lost edits back on the server');
    expect(text(doc)).toBe('[other] mine. mine after backup. ');
  });

  it('L3: a doc the replica holds but the app closed is checked after a new epoch, then unsubscribed', async () => {
    const server = createFakeServer();
    const c = client(server);
    const doc = await c.open('site/closed');
    doc.getText('t').insert(0, 'kept only by this device');
    await until(() => c.status.pending === 0 && text(server.doc('site/closed')) !== '', 'edit acked');
    await c.close('site/closed');
    const backup = server.backup();
    backup.docs.delete('site/closed'); // the backup predates the doc
    backup.versions.delete('site/closed');
    backup.stored.clear();
    server.restore(backup, 'epoch-2');
    await until(() => text(server.doc('site/closed')) === 'kept only by this device', 'the held doc to be pushed again');
    await until(() => server.live()[0]?.subs.has('site/closed') === false, 'the check subscription to end');
  });

  it('L3: no restore, no re-push: reconnects with the same epoch and versions push nothing', async () => {
    const server = createFakeServer();
    const c = client(server);
    const doc = await c.open('site/notes');
    doc.getText('t').insert(0, 'x');
    await until(() => c.status.pending === 0 && text(server.doc('site/notes')) === 'x', 'acked');
    const count = server.received('push').length;
    for (let i = 0; i < 3; i++) {
      server.cutAll();
      await until(() => server.live().length === 1 && c.status.state === 'synced', 'reconnected');
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(server.received('push')).toHaveLength(count);
  });
});
