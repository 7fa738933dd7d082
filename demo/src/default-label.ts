/**
 * The label a new anchor gets: `Pin <n>·<tag>`. The tag is three characters derived from this replica's id,
 * and n counts up per device, so two devices that create anchors offline number their pins independently
 * and still end with distinct labels after the merge (a count of all anchors made "Pin 5" on both).
 * Deterministic: the same replica and the same anchors give the same label, after a reload too.
 *
 * Tags are 15 bits: two devices of one space share a tag with odds of 1 in 32,768, and even then only the
 * pins they numbered alike collide. A person can rename any anchor; the id stays the identity.
 */
import type { SpaceAnchor } from '@cairn/client';

/** No o, 1, l, i: a tag is read off a phone screen and told to someone else. */
const ALPHABET = '023456789abcdefghjkmnpqrstuvwxyz';
const TAG_CHARS = 3;

/** A short, stable tag for a replica id (FNV-1a, so every character of the id counts). */
export function deviceTag(replicaId: string): string {
  let h = 0x811c9dc5;
  for (const ch of replicaId) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  let tag = '';
  for (let i = 0; i < TAG_CHARS; i++, h >>>= 5) tag += ALPHABET[h & 31];
  return tag;
}

/** The next free `Pin <n>·<tag>` among the anchors this replica shows; null while the replica has no id. */
export function defaultLabel(replicaId: string | null, anchors: readonly SpaceAnchor[]): string | null {
  if (!replicaId) return null;
  const tag = deviceTag(replicaId);
  // At most four digits: a peer's label "Pin 99999999999999999999·<my tag>" must not make ours unreadable.
  const mine = new RegExp(`^Pin (\\d{1,4})·${tag}$`);
  let last = 0;
  for (const a of anchors) {
    const m = typeof a.props['label'] === 'string' ? mine.exec(a.props['label']) : null;
    if (m) last = Math.max(last, Number(m[1]));
  }
  return `Pin ${last + 1}·${tag}`;
}
