/**
 * The browser's own idea of connectivity: `online` / `offline` events on `window`. Going offline drops
 * the socket at once (instead of waiting two heartbeats); coming back online reconnects at once,
 * skipping whatever backoff delay was pending.
 */
export interface NetworkEvents {
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

/** `window` in a browser, null elsewhere. */
export function defaultNetworkEvents(): NetworkEvents | null {
  return typeof window !== 'undefined' && typeof window.addEventListener === 'function' ? window : null;
}

/** `navigator.onLine` where it exists; true elsewhere (a false "online" only costs one failed attempt). */
export function initiallyOnline(): boolean {
  return (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine !== false;
}

/** Calls `onChange` on every online/offline event; returns the function that stops listening. */
export function watchNetwork(target: NetworkEvents | null, onChange: (online: boolean) => void): () => void {
  if (!target) return () => undefined;
  const online = () => onChange(true);
  const offline = () => onChange(false);
  target.addEventListener('online', online);
  target.addEventListener('offline', offline);
  return () => {
    target.removeEventListener('online', online);
    target.removeEventListener('offline', offline);
  };
}
