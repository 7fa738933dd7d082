/**
 * The one catalog of error codes (S4). Every code travels on the wire as its number, in `reject` frames
 * and as the WebSocket close reason, and in HTTP error bodies as its name. `docs/PROTOCOL.md` documents
 * each one; test/unit/error-catalog.test.ts checks that the two agree.
 *
 * `retryable: true` means the same request may succeed later unchanged (O7): the client keeps it in the
 * outbox. `false` means it never will: the client moves the push to its dead-letter table.
 */
export const ErrorCodes = {
  MALFORMED_FRAME: { num: 1, retryable: false, message: 'the frame could not be decoded' },
  FRAME_TOO_LARGE: { num: 2, retryable: false, message: 'the frame is larger than the server accepts' },
  PROTOCOL_VERSION: { num: 3, retryable: false, message: 'the protocol version is not supported' },
  HELLO_REQUIRED: { num: 4, retryable: false, message: 'the first frame on a socket must be hello' },
  UNAUTHENTICATED: { num: 5, retryable: false, message: 'the token is missing, invalid or expired' },
  FORBIDDEN: { num: 6, retryable: false, message: 'the session may not do this on this space' },
  READ_ONLY: { num: 7, retryable: false, message: 'the session may read this space but not write it' },
  INVALID_DOC_ID: { num: 8, retryable: false, message: 'the doc id is not of the form space/name' },
  INVALID_UPDATE: { num: 9, retryable: false, message: 'the update does not decode or apply as a Yjs update' },
  TOO_MANY_DOCS: { num: 10, retryable: false, message: 'the socket has subscribed to too many docs' },
  RATE_LIMITED: { num: 11, retryable: true, message: 'too many requests per second on this socket' },
  OVERLOADED: { num: 12, retryable: true, message: 'the server is overloaded, try again later' },
  SHUTTING_DOWN: { num: 13, retryable: true, message: 'the server is shutting down' },
  STORE_UNAVAILABLE: { num: 14, retryable: true, message: 'the database could not commit, try again later' },
  SLOW_CONSUMER: { num: 15, retryable: true, message: 'the socket read too slowly and its buffer overflowed' },
  ORIGIN_NOT_ALLOWED: { num: 16, retryable: false, message: 'the Origin of the upgrade is not allowed: list it in CAIRN_ALLOWED_ORIGINS on the server' },
  NOT_FOUND: { num: 17, retryable: false, message: 'no such route' },
  BAD_REQUEST: { num: 18, retryable: false, message: 'the request is not valid' },
  INTERNAL: { num: 19, retryable: true, message: 'internal error' },
  HEARTBEAT_TIMEOUT: { num: 20, retryable: true, message: 'no frame arrived within the heartbeat timeout' },
  TOKEN_EXPIRED: { num: 21, retryable: true, message: 'the session token expired; fetch a fresh token and reconnect' },
  CLIENT_ID_TAKEN: { num: 22, retryable: false, message: 'the clientId belongs to another principal' },
  UNDELIVERABLE: { num: 23, retryable: false, message: 'some local edits cannot be delivered (see the dead letters)' },
  UNREACHABLE: { num: 24, retryable: true, message: 'the server could not be reached' },
  INVALID_URL: { num: 25, retryable: false, message: 'the server URL must be an absolute ws:// or wss:// URL' },
  TOO_MANY_CONNECTIONS: { num: 26, retryable: true, message: 'too many connections, in total or from this address' },
  HOST_NOT_ALLOWED: { num: 27, retryable: false, message: 'the Host of the request is not one this server serves' },
  UPDATE_TOO_LARGE: { num: 28, retryable: false, message: 'the update is larger than the server accepts' },
  INVALID_PRESENCE: { num: 29, retryable: false, message: 'the presence payload is not a valid awareness update' },
  REGION_TOO_LARGE: { num: 30, retryable: false, message: 'the region needs more cell docs than a region may hold' },
  DOC_QUOTA_EXCEEDED: { num: 31, retryable: false, message: "the push would create a doc beyond the tenant's doc quota" },
  BYTE_QUOTA_EXCEEDED: { num: 32, retryable: false, message: "the push would store update bytes beyond the tenant's byte quota" },
  CONNECTION_QUOTA_EXCEEDED: { num: 33, retryable: true, message: "the tenant has as many open connections on this node as its quota allows" },
  HISTORY_TRIMMED: { num: 34, retryable: false, message: "the doc's history before the asked version or time was trimmed (CAIRN_HISTORY_DAYS)" },
  DOC_DELETED: { num: 35, retryable: false, message: 'the doc or its space was deleted' },
  IMPORT_CONFLICT: { num: 36, retryable: false, message: 'the import holds a doc whose stored rows differ at the same version' },
} as const satisfies Record<string, { num: number; retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

const byNum = new Map<number, ErrorCode>(
  (Object.keys(ErrorCodes) as ErrorCode[]).map((code) => [ErrorCodes[code].num, code]),
);

export function errorCodeFromNum(num: number): ErrorCode | undefined {
  return byNum.get(num);
}

export function isRetryable(code: ErrorCode): boolean {
  return ErrorCodes[code].retryable;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorCodes, value);
}

/**
 * Marks every CairnError, whichever copy of this module made it: an app bundle can hold two copies of
 * `@cairn/shared` (two versions, or an ESM and a bundled one), and `instanceof` sees only its own. A
 * registered symbol is the same in every copy and every realm.
 */
const BRAND: unique symbol = Symbol.for('@cairn/shared.CairnError');

/** An error that carries a catalog code; the only kind of error that crosses a boundary. */
export class CairnError extends Error {
  override name = 'CairnError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${ErrorCodes[code].message}: ${detail}` : ErrorCodes[code].message, options);
    this.code = code;
    this.retryable = ErrorCodes[code].retryable;
  }
}
// On the prototype, not each instance: no own property for equality checks and logs to trip over.
Object.defineProperty(CairnError.prototype, BRAND, { value: true });

/**
 * True for a CairnError from any copy of this module (see BRAND) whose code this copy's catalog knows,
 * so `err.code` narrows to a code it can look up.
 */
export function isCairnError(err: unknown): err is CairnError {
  if (err instanceof CairnError) return true;
  if (typeof err !== 'object' || err === null || (err as { [BRAND]?: unknown })[BRAND] !== true) return false;
  const { code, retryable } = err as { code?: unknown; retryable?: unknown };
  return isErrorCode(code) && typeof retryable === 'boolean';
}

/**
 * `err` if it is a CairnError, else `fallback` (INTERNAL by default) with `err` kept as its `cause` and
 * its text in the message: what reaches an app's error handler always has a catalog code.
 */
export function toCairnError(err: unknown, fallback: ErrorCode = 'INTERNAL'): CairnError {
  return isCairnError(err) ? err : new CairnError(fallback, describe(err), { cause: err });
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  try {
    return String(err);
  } catch {
    return Object.prototype.toString.call(err); // e.g. Object.create(null) has no toString
  }
}

/** WebSocket close codes Cairn uses (4000-4999 is the application range). close code = 4000 + num. */
export function closeCodeFor(code: ErrorCode): number {
  return 4000 + ErrorCodes[code].num;
}

export function errorCodeFromClose(closeCode: number): ErrorCode | undefined {
  return closeCode >= 4000 && closeCode < 5000 ? errorCodeFromNum(closeCode - 4000) : undefined;
}
