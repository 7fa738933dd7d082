/**
 * Hand-built Yjs v1 updates, byte by byte, for tests that need updates no Yjs API would write (an origin
 * at a clock its client never wrote, a parent that is not a type, a delete range out of order). The layout
 * follows yjs/src/utils/encoding.js (writeClientsStructs, Item.write, writeDeleteSet with the v1 encoders).
 */
import * as encoding from 'lib0/encoding';

export interface CraftId {
  client: number;
  clock: number;
}

export type CraftContent =
  | { kind: 'string'; text: string }
  | { kind: 'deleted'; len: number }
  | { kind: 'any'; values: unknown[] }
  /** 0 array, 1 map, 2 text, 3 xml element (needs a name), 4 xml fragment, 5 xml hook, 6 xml text. */
  | { kind: 'type'; typeRef: number; name?: string }
  | { kind: 'format'; key: string; value: unknown }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'doc'; guid: string; opts: unknown };

export type CraftStruct =
  | { kind: 'gc'; len: number }
  | { kind: 'skip'; len: number }
  | {
      kind: 'item';
      origin?: CraftId;
      rightOrigin?: CraftId;
      /** Without origin and rightOrigin: a root type's name, or the id of the type item it belongs to. */
      parent?: string | CraftId;
      parentSub?: string;
      content: CraftContent;
    };

export interface CraftSection {
  client: number;
  clock: number;
  structs: CraftStruct[];
}

export interface CraftDelete {
  client: number;
  ranges: Array<[clock: number, len: number]>;
}

const CONTENT_REF = { deleted: 1, binary: 3, string: 4, format: 6, type: 7, any: 8, doc: 9 } as const;

function writeId(enc: encoding.Encoder, id: CraftId): void {
  encoding.writeVarUint(enc, id.client);
  encoding.writeVarUint(enc, id.clock);
}

function writeContent(enc: encoding.Encoder, c: CraftContent): void {
  switch (c.kind) {
    case 'string':
      return encoding.writeVarString(enc, c.text);
    case 'deleted':
      return encoding.writeVarUint(enc, c.len);
    case 'any':
      encoding.writeVarUint(enc, c.values.length);
      for (const v of c.values) encoding.writeAny(enc, v as never);
      return;
    case 'type':
      encoding.writeVarUint(enc, c.typeRef);
      if (c.typeRef === 3 || c.typeRef === 5) encoding.writeVarString(enc, c.name ?? 'p');
      return;
    case 'format':
      encoding.writeVarString(enc, c.key);
      return encoding.writeVarString(enc, JSON.stringify(c.value));
    case 'binary':
      return encoding.writeVarUint8Array(enc, c.bytes);
    case 'doc':
      encoding.writeVarString(enc, c.guid);
      return encoding.writeAny(enc, c.opts as never);
  }
}

export function craftUpdate(sections: CraftSection[], deletes: CraftDelete[] = []): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, sections.length);
  for (const section of sections) {
    encoding.writeVarUint(enc, section.structs.length);
    encoding.writeVarUint(enc, section.client);
    encoding.writeVarUint(enc, section.clock);
    for (const s of section.structs) {
      if (s.kind === 'gc' || s.kind === 'skip') {
        encoding.writeUint8(enc, s.kind === 'gc' ? 0 : 10);
        encoding.writeVarUint(enc, s.len);
        continue;
      }
      const info = CONTENT_REF[s.content.kind] | (s.origin ? 0x80 : 0) | (s.rightOrigin ? 0x40 : 0) | (s.parentSub !== undefined ? 0x20 : 0);
      encoding.writeUint8(enc, info);
      if (s.origin) writeId(enc, s.origin);
      if (s.rightOrigin) writeId(enc, s.rightOrigin);
      if (!s.origin && !s.rightOrigin) {
        const parent = s.parent ?? 'm';
        if (typeof parent === 'string') {
          encoding.writeVarUint(enc, 1);
          encoding.writeVarString(enc, parent);
        } else {
          encoding.writeVarUint(enc, 0);
          writeId(enc, parent);
        }
        if (s.parentSub !== undefined) encoding.writeVarString(enc, s.parentSub);
      }
      writeContent(enc, s.content);
    }
  }
  encoding.writeVarUint(enc, deletes.length);
  for (const d of deletes) {
    encoding.writeVarUint(enc, d.client);
    encoding.writeVarUint(enc, d.ranges.length);
    for (const [clock, len] of d.ranges) {
      encoding.writeVarUint(enc, clock);
      encoding.writeVarUint(enc, len);
    }
  }
  return encoding.toUint8Array(enc);
}
