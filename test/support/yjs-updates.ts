import * as Y from 'yjs';

/** A fresh Yjs update that sets map `m`'s `key` to `value` in a doc of its own. */
export function mapUpdate(key: string, value: unknown): Uint8Array {
  const doc = new Y.Doc();
  let update: Uint8Array = new Uint8Array();
  doc.on('update', (u: Uint8Array) => (update = u));
  doc.getMap('m').set(key, value);
  doc.destroy();
  return update;
}

/** The map `m` of the state an update (or several) produce, as a plain object. */
export function mapOf(...updates: Uint8Array[]): Record<string, unknown> {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  const json = doc.getMap('m').toJSON();
  doc.destroy();
  return json;
}

/** One Yjs update per text, each appending it to text `t` of one doc (one writer: `clientID` if given). */
export function textEdits(texts: readonly string[], clientID?: number): Uint8Array[] {
  const d = new Y.Doc();
  if (clientID !== undefined) d.clientID = clientID;
  const out: Uint8Array[] = [];
  d.on('update', (u: Uint8Array) => out.push(u));
  for (const t of texts) d.getText('t').insert(d.getText('t').length, t);
  return out;
}
