/**
 * S4: one catalog of error codes (packages/shared/src/errors.ts), documented row by row in the
 * "## Error codes" table of docs/PROTOCOL.md. The two must agree on every code, number and retryable flag,
 * and the wire forms of a code (its number, its close code) must map back to it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CairnError, ErrorCodes, closeCodeFor, errorCodeFromClose, errorCodeFromNum, isRetryable, type ErrorCode,
} from '@cairn/shared';

interface DocumentedCode {
  num: number;
  retryable: boolean;
  meaning: string;
}

const codes = Object.keys(ErrorCodes) as ErrorCode[];
const protocolMd = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');

/** The lines of the "## Error codes" section, up to the next heading of the same or a higher level. */
function errorCodesSection(md: string): string[] {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.trim() === '## Error codes');
  if (start < 0) return [];
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^#{1,2} /.test(l));
  return end < 0 ? rest : rest.slice(0, end);
}

const ROW = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*(\d+)\s*\|\s*(yes|no)\s*\|\s*(.*?)\s*\|$/;
const HEADER = /^\|\s*code\s*\|\s*number\s*\|\s*retryable\s*\|\s*meaning\s*\|$/;
const SEPARATOR = /^\|(\s*:?-{3,}:?\s*\|)+$/;

/** Every table row of the section, parsed; rows that are neither header, separator nor a code row are kept as errors. */
function parseTable(lines: string[]): { rows: Array<[string, DocumentedCode]>; unparsed: string[]; header: boolean } {
  const rows: Array<[string, DocumentedCode]> = [];
  const unparsed: string[] = [];
  let header = false;
  for (const line of lines.map((l) => l.trim()).filter((l) => l.startsWith('|'))) {
    if (HEADER.test(line)) header = true;
    else if (SEPARATOR.test(line)) continue;
    else {
      const m = ROW.exec(line);
      if (m) rows.push([m[1]!, { num: Number(m[2]), retryable: m[3] === 'yes', meaning: m[4]! }]);
      else unparsed.push(line);
    }
  }
  return { rows, unparsed, header };
}

const table = parseTable(errorCodesSection(protocolMd));
const documented = new Map(table.rows);

describe('error catalog', () => {
  it('S4: docs/PROTOCOL.md has an "## Error codes" table of | `CODE` | number | yes/no | meaning | rows', () => {
    expect(table.header).toBe(true);
    expect(table.rows.length).toBeGreaterThan(0);
    expect(table.unparsed).toEqual([]);
  });

  it('S4: every code in the catalog is documented with the same number and retryable flag', () => {
    for (const code of codes) {
      const doc = documented.get(code);
      expect(doc, `${code} is missing from the "## Error codes" table of docs/PROTOCOL.md`).toBeDefined();
      expect({ code, num: doc?.num, retryable: doc?.retryable }).toEqual({
        code, num: ErrorCodes[code].num, retryable: ErrorCodes[code].retryable,
      });
      expect(doc?.meaning.length, `${code} has no meaning in docs/PROTOCOL.md`).toBeGreaterThan(0);
    }
  });

  it('S4: every documented code exists in the catalog and is documented once', () => {
    const names = table.rows.map(([name]) => name);
    expect(names.filter((n) => !(n in ErrorCodes)), 'documented but not in errors.ts').toEqual([]);
    expect(names.filter((n, i) => names.indexOf(n) !== i), 'documented twice').toEqual([]);
    expect(names.length).toBe(codes.length);
  });

  it('S4: numbers are unique positive integers that fit the close-code range', () => {
    const nums = codes.map((c) => ErrorCodes[c].num);
    expect(new Set(nums).size).toBe(nums.length);
    for (const n of nums) {
      expect(Number.isInteger(n) && n > 0 && n < 1000, `number ${n}`).toBe(true);
    }
  });

  it('S4: every code has a message and a retryable flag, and a CairnError carries both', () => {
    for (const code of codes) {
      const { message, retryable } = ErrorCodes[code];
      expect(message.length, code).toBeGreaterThan(0);
      expect(isRetryable(code)).toBe(retryable);
      const err = new CairnError(code, 'detail');
      expect(err).toMatchObject({ code, retryable, name: 'CairnError' });
      expect(err.message).toBe(`${message}: detail`);
      expect(new CairnError(code).message).toBe(message);
    }
  });

  it('S4: a code maps to its number and close code and back (closeCodeFor / errorCodeFromClose)', () => {
    for (const code of codes) {
      const close = closeCodeFor(code);
      expect(close).toBe(4000 + ErrorCodes[code].num);
      expect(close >= 4000 && close <= 4999).toBe(true);
      expect(errorCodeFromClose(close)).toBe(code);
      expect(errorCodeFromNum(ErrorCodes[code].num)).toBe(code);
    }
  });

  it('S4: close codes and numbers outside the catalog map to no code', () => {
    const used = new Set(codes.map((c) => closeCodeFor(c)));
    for (const close of [1000, 1001, 1006, 1009, 3999, 4000, 4999, 5000, -4001]) {
      if (!used.has(close)) expect(errorCodeFromClose(close), String(close)).toBeUndefined();
    }
    for (const num of [0, -1, 1.5, 999, Number.NaN]) expect(errorCodeFromNum(num), String(num)).toBeUndefined();
  });
});
