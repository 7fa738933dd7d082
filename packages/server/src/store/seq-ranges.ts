/**
 * C1 after compaction: the seqs of one replica whose log rows were trimmed, kept as closed ranges
 * (cairn_trimmed_seqs, migration 8). A push whose seq lies in a range was stored before and is a duplicate.
 *
 * The invariant that keeps it safe: a range only ever holds seqs that were stored. Seqs are gap-free per
 * replica, but "stored" is not: a seq refused for good (O7) never is, and one refused as retryable may be
 * stored after a later seq was. A plain high-water mark would ack such a seq as a duplicate and lose it.
 * So two trimmed seqs are joined into one range only across seqs that are themselves stored: still in the
 * log (of any doc) or in an earlier range. A replica that interleaves docs then still has one range, and
 * a hole stays a hole.
 */
export interface SeqRange {
  lo: number;
  hi: number;
}

/**
 * The replica's ranges after trimming `trimmed` seqs, given its `existing` ranges and `logSeqs`, the seqs
 * it still has in the log between the lowest and highest of the other two (others do not matter). Ranges
 * made only of log seqs are left out: the log answers for them.
 */
export function mergeSeqRanges(existing: readonly SeqRange[], trimmed: readonly number[], logSeqs: readonly number[]): SeqRange[] {
  type Piece = SeqRange & { needed: boolean };
  const pieces: Piece[] = [
    ...existing.map((r) => ({ lo: r.lo, hi: r.hi, needed: true })),
    ...trimmed.map((s) => ({ lo: s, hi: s, needed: true })),
    ...logSeqs.map((s) => ({ lo: s, hi: s, needed: false })),
  ].sort((a, b) => a.lo - b.lo);
  const out: Piece[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last && p.lo <= last.hi + 1) {
      last.hi = Math.max(last.hi, p.hi);
      last.needed ||= p.needed;
    } else out.push({ ...p });
  }
  return out.filter((p) => p.needed).map(({ lo, hi }) => ({ lo, hi }));
}

/** The span the log seqs must be read over for mergeSeqRanges, or null if there is nothing to merge. */
export function mergeSpan(existing: readonly SeqRange[], trimmed: readonly number[]): SeqRange | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of existing) [lo, hi] = [Math.min(lo, r.lo), Math.max(hi, r.hi)];
  for (const s of trimmed) [lo, hi] = [Math.min(lo, s), Math.max(hi, s)];
  return lo === Infinity ? null : { lo, hi };
}

export function inRanges(ranges: readonly SeqRange[], seq: number): boolean {
  return ranges.some((r) => r.lo <= seq && seq <= r.hi);
}
