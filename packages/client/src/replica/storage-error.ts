/**
 * Storage failures as the app sees them (O6). The browser reports them under many names (DOMException
 * names, Dexie's wrappers with `.inner`, bulk errors with `.failures`); this file maps them to five kinds.
 */
export const StorageErrorKind = {
  /** The origin is out of quota: QuotaExceededError on open or on a write. */
  quota: 'quota',
  /** Another connection holds an older schema and does not close, or the stored schema is newer (VersionError). */
  blocked: 'blocked',
  /** No IndexedDB here, or not allowed (private mode, sandboxed frames, some WebViews). */
  unavailable: 'unavailable',
  /** The browser closed the database under us (storage cleared, eviction). */
  evicted: 'evicted',
  unknown: 'unknown',
} as const;
export type StorageErrorKind = (typeof StorageErrorKind)[keyof typeof StorageErrorKind];

/** The payload of the client's `storage-error` event. `error` is the error the storage layer raised. */
export interface StorageErrorEvent {
  kind: StorageErrorKind;
  error: unknown;
}

/** A storage failure Cairn itself detected (no IndexedDB, blocked upgrade, eviction). */
export class StorageFailure extends Error {
  override name = 'StorageFailure';
  readonly kind: StorageErrorKind;
  constructor(kind: StorageErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

const BY_NAME: Record<string, StorageErrorKind> = {
  QuotaExceededError: 'quota',
  VersionError: 'blocked',
  MissingAPIError: 'unavailable',
  // Firefox private browsing and opaque origins refuse IndexedDB with these.
  InvalidStateError: 'unavailable',
  SecurityError: 'unavailable',
};

export function classifyStorageError(err: unknown): StorageErrorKind {
  let e: unknown = err;
  for (let depth = 0; e !== null && typeof e === 'object' && depth < 6; depth++) {
    if (e instanceof StorageFailure) return e.kind;
    const { name, inner, cause, failures } = e as { name?: unknown; inner?: unknown; cause?: unknown; failures?: unknown };
    if (typeof name === 'string' && Object.hasOwn(BY_NAME, name)) return BY_NAME[name]!;
    e = inner ?? cause ?? (Array.isArray(failures) ? (failures as unknown[])[0] : undefined);
  }
  return 'unknown';
}
