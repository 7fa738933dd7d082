/**
 * Tagged Yjs transaction origins (STYLE.md). Every observer checks the origin: only LOCAL (or an app's
 * own origin, which counts as local) enters the outbox; REMOTE, HYDRATE and TAB never do.
 */
export const ORIGIN = {
  LOCAL: 'cairn:local',
  REMOTE: 'cairn:remote',
  HYDRATE: 'cairn:hydrate',
  TAB: 'cairn:tab',
} as const;
export type Origin = (typeof ORIGIN)[keyof typeof ORIGIN];
