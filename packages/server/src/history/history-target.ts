/**
 * What a history read or a revert points at (L1): a doc's version, or a time. A whole space has no single
 * version (each doc counts its own), so space-wide reads and reverts take a time only.
 */
import { CairnError } from '@cairn/shared';

export type HistoryTarget = { version: number } | { at: Date };

/** An ISO 8601 time with a date, a time and a zone (`Z` or `±hh:mm`); anything else is refused. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `?at=` as the REST routes take it: digits are a version, an ISO time is a time. Numbers that are not
 * plain digits (`0x10`, `1e3`, `-1`) and times without a zone (whose meaning depends on the server's
 * clock settings) are BAD_REQUEST.
 */
export function parseHistoryTarget(at: string, allowVersion: boolean): HistoryTarget {
  if (/^\d{1,15}$/.test(at)) {
    if (!allowVersion) throw new CairnError('BAD_REQUEST', 'a space has no single version: give at as an ISO time');
    return { version: Number(at) };
  }
  if (ISO_TIME.test(at)) {
    const t = new Date(at);
    if (!Number.isNaN(t.getTime())) return { at: t };
  }
  throw new CairnError('BAD_REQUEST', 'at must be a version (digits) or an ISO time with a zone, e.g. 2026-12-07T10:00:00Z');
}

export function describeTarget(target: HistoryTarget): string {
  return 'version' in target ? `version ${target.version}` : target.at.toISOString();
}
