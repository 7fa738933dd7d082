import { CairnError } from './errors.js';

/**
 * Doc ids on the wire are `space/name`; the tenant is never sent by a client, it comes from the session's
 * token (S5). Stored keys and bus channels carry the tenant: `tenant/space/name`.
 */
const SEGMENT = /^[A-Za-z0-9._~:-]{1,128}$/;
const DOC_ID = /^([A-Za-z0-9._~:-]{1,128})\/([A-Za-z0-9._~:/-]{1,256})$/;

export interface DocRef {
  space: string;
  name: string;
}

export function parseDocId(doc: string): DocRef {
  const m = DOC_ID.exec(doc);
  if (!m || doc.includes('//') || doc.endsWith('/')) throw new CairnError('INVALID_DOC_ID', JSON.stringify(doc.slice(0, 80)));
  return { space: m[1]!, name: m[2]! };
}

export function isValidDocId(doc: string): boolean {
  try {
    parseDocId(doc);
    return true;
  } catch {
    return false;
  }
}

export function isValidSegment(s: string): boolean {
  return SEGMENT.test(s);
}

export function spaceOf(doc: string): string {
  return parseDocId(doc).space;
}

/** A replica's random id: 16 bytes of randomness as 32 lowercase hex characters. */
export function newClientId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const CLIENT_ID = /^[A-Za-z0-9:_-]{8,64}$/;
export function isValidClientId(id: string): boolean {
  return CLIENT_ID.test(id);
}
