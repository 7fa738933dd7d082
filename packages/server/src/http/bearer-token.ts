/** The token of an `Authorization: Bearer <token>` header; '' when there is none (dev mode accepts it). */
import { CairnError } from '@cairn/shared';

export function bearerToken(header: string | undefined): string {
  if (header === undefined) return '';
  const m = /^Bearer +(\S+) *$/i.exec(header);
  if (!m) throw new CairnError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"');
  return m[1]!;
}
