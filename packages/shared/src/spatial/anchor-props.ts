/**
 * X5: an anchor's props merge per key, by the writer's hlc, across EVERY cell the anchor has lived in.
 *
 * A move across a cell edge copies the props its writer sees into the new cell; an edit made meanwhile by a
 * replica that had not seen the move lands in the OLD cell, behind the forwarding tombstone. Were props read
 * from the winning cell only (as before), that edit would be lost. So every props write carries its hlc, a
 * delete leaves a tombstone with its hlc, and the value of a key is the write with the greatest hlc among
 * all cell entries of the id (live, forwarded or deleted alike). A move copies writes with their ORIGINAL
 * hlc, so the copy never beats a concurrent edit made in the old cell.
 *
 * Layout, in the cell doc's root map `propsAt` (anchor-doc.ts):
 *
 *   `<id>|<key>|<hlc>` → {v: value}   a set
 *   `<id>|<key>|<hlc>` → null         a delete (tombstone)
 *
 * The hlc is in the KEY, as for poses: two replicas writing one key concurrently leave two map keys and every
 * reader takes the greater hlc. A value `{v, hlc}` under `<id>|<key>` would let Yjs keep one of the two by
 * clientID, and the later edit could lose. The prop name is everything between the first and the last `|`.
 *
 * Legacy values (the `props` map, `<id>|<key>` → value, written before hlcs) count as hlc '' and only in the
 * entry whose pose wins, which is how they were read before: a legacy delete left no tombstone, so a legacy
 * value in a forwarded cell may be one that was deleted since.
 */

const SEP = '|';

/** One props key's winning write: a value, or a delete, with its writer's hlc ('' for a legacy value). */
export interface PropWrite {
  hlc: string;
  deleted: boolean;
  /** The value of a set; undefined for a delete. */
  value: unknown;
}

/** What the fold reads of a cell entry (CellEntry has these fields). */
export interface PropsSource {
  cell: string;
  /** The cell's current values: sets with their hlc in propClocks, legacy values without. */
  props: Record<string, unknown>;
  /** hlc of each key's newest write in this cell; a key here but not in props is deleted. */
  propClocks?: Record<string, string>;
}

export function propMapKey(id: string, key: string, hlc: string): string {
  return id + SEP + key + SEP + hlc;
}

/** The prop name and hlc of a `propsAt` map key (its id is before the first `|`), or null if malformed. */
export function parsePropMapKey(mapKey: string): { key: string; hlc: string } | null {
  const first = mapKey.indexOf(SEP);
  const last = mapKey.lastIndexOf(SEP);
  if (first < 0 || last === first) return null;
  return { key: mapKey.slice(first + 1, last), hlc: mapKey.slice(last + 1) };
}

/** The write a `propsAt` value stands for, or null for a value no writer of this layout produces. */
export function decodePropValue(value: unknown): { deleted: boolean; value: unknown } | null {
  if (value === null) return { deleted: true, value: undefined };
  if (typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array) && hasOwn(value, 'v')) {
    return { deleted: false, value: (value as { v: unknown }).v };
  }
  return null;
}

/** `undefined` deletes the key. */
export function encodePropValue(value: unknown): { v: unknown } | null {
  return value === undefined ? null : { v: value };
}

export function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/**
 * Per key, the write with the greatest hlc among the entries (X5). `win` is the entry whose pose wins: its
 * legacy values count, and on equal hlcs (one write copied by a move) its value stands, then the one of the
 * smaller cell name, so every replica and the read model pick the same.
 */
export function mergeProps(entries: readonly PropsSource[], win: PropsSource): Map<string, PropWrite> {
  const out = new Map<string, PropWrite>();
  const take = (key: string, w: PropWrite) => {
    const prev = out.get(key);
    if (!prev || w.hlc > prev.hlc) out.set(key, w);
  };
  const fold = (e: PropsSource) => {
    const clocks = e.propClocks ?? {};
    for (const key in clocks) {
      const set = hasOwn(e.props, key);
      take(key, { hlc: clocks[key]!, deleted: !set, value: set ? e.props[key] : undefined });
    }
    if (e !== win) return;
    for (const key in e.props) if (!hasOwn(clocks, key)) take(key, { hlc: '', deleted: false, value: e.props[key] });
  };
  fold(win);
  if (entries.length > 1) {
    const others = entries.filter((e) => e !== win).sort((a, b) => (a.cell < b.cell ? -1 : a.cell > b.cell ? 1 : 0));
    for (const e of others) fold(e);
  }
  return out;
}

/** The visible props of merged writes. */
export function propsOf(writes: ReadonlyMap<string, PropWrite>): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const [key, w] of writes) if (!w.deleted) setOwn(props, key, w.value);
  return props;
}

/** `o[key] = value`, where a key named __proto__ is data, not the object's prototype. */
export function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}
