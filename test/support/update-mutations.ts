/**
 * Hostile Yjs updates for the update fuzzer: blind mutations of real updates (bit flips, byte inserts and
 * deletes, truncation, varint edits, splices of two updates) and generated ones (craft-update.ts structs
 * with references near the clocks the doc really holds, so they hit existing items, their own client's
 * future and other clients' gaps).
 */
import type { Prng } from './prng.js';
import { craftUpdate, type CraftContent, type CraftId, type CraftStruct } from './craft-update.js';

/** Values at the edges of what a varint field may hold. */
const EDGES = [0, 1, 0x7f, 0x80, 0xff, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER];

function varUint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push(0x80 | (n % 0x80));
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

export function mutate(r: Prng, update: Uint8Array, other: Uint8Array): Uint8Array {
  const bytes = [...update];
  const at = r.int(bytes.length + 1);
  switch (r.int(7)) {
    case 0: // one to three bit flips
      for (let i = 1 + r.int(3); i > 0 && bytes.length > 0; i--) bytes[r.int(bytes.length)]! ^= 1 << r.int(8);
      break;
    case 1:
      bytes.splice(at, 0, r.int(256));
      break;
    case 2:
      bytes.splice(at, 1 + r.int(3));
      break;
    case 3:
      return Uint8Array.from(bytes.slice(0, r.int(bytes.length)));
    case 4: { // a varint edit: a byte becomes a small number, or an edge value spelled as a varint
      const value = r.chance(0.5) ? varUint(r.int(16)) : varUint(r.pick(EDGES));
      bytes.splice(Math.min(at, bytes.length - 1), 1, ...value);
      break;
    }
    case 5: // a small number nudged: off-by-one clocks and lengths
      if (bytes.length > 0) {
        const i = r.int(bytes.length);
        bytes[i] = (bytes[i]! + (r.chance(0.5) ? 1 : 255)) & 0xff;
      }
      break;
    default: // splice: the head of one update on the tail of another
      return Uint8Array.from([...update.slice(0, r.int(update.length + 1)), ...other.slice(r.int(other.length + 1))]);
  }
  return Uint8Array.from(bytes);
}

/** A generated update: 1-2 client sections of 1-3 structs and maybe deletions, near the doc's clocks. */
export function generate(r: Prng, state: ReadonlyMap<number, number>): Uint8Array {
  const clients = [...state.keys(), 1 + r.int(5)];
  const clockNear = (client: number) => Math.max(0, (state.get(client) ?? 0) + r.int(6) - 3);
  const id = (): CraftId => {
    const client = r.pick(clients);
    return { client, clock: clockNear(client) };
  };
  const content = (): CraftContent => {
    switch (r.int(8)) {
      case 0: return { kind: 'string', text: 'xyz'.slice(0, r.int(4)) };
      case 1: return { kind: 'deleted', len: r.chance(0.9) ? r.int(4) : r.pick(EDGES) };
      case 2: return { kind: 'type', typeRef: r.int(8), name: 'p' };
      case 3: return { kind: 'format', key: 'bold', value: r.chance(0.5) ? true : null };
      case 4: return { kind: 'binary', bytes: new Uint8Array(r.int(3)) };
      case 5: return { kind: 'doc', guid: `g${r.int(3)}`, opts: r.pick([{}, { gc: false }, { gcFilter: 1 }, null, 5]) };
      default: return { kind: 'any', values: Array.from({ length: r.int(4) }, () => r.int(10)) };
    }
  };
  const struct = (): CraftStruct => {
    const roll = r.int(10);
    if (roll === 0) return { kind: 'gc', len: r.int(4) };
    if (roll === 1) return { kind: 'skip', len: r.int(4) };
    const s: CraftStruct = { kind: 'item', content: content() };
    if (r.chance(0.5)) s.origin = id();
    if (r.chance(0.3)) s.rightOrigin = id();
    if (!s.origin && !s.rightOrigin) s.parent = r.chance(0.5) ? r.pick(['m', 't', 'a', 'l']) : id();
    if (r.chance(0.4)) s.parentSub = `k${r.int(4)}`;
    return s;
  };
  const sections = Array.from({ length: 1 + r.int(2) }, () => {
    const client = r.pick(clients);
    return { client, clock: clockNear(client), structs: Array.from({ length: 1 + r.int(3) }, struct) };
  });
  const deletes = r.chance(0.3)
    ? [{ client: r.pick(clients), ranges: Array.from({ length: 1 + r.int(2) }, (): [number, number] => [r.int(8), r.int(4)]) }]
    : [];
  return craftUpdate(sections, deletes);
}
