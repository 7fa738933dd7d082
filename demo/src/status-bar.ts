/**
 * The status strip: where this device's connection is (offline / connecting / syncing / synced /
 * undeliverable), how many local edits await the server's ack or were refused for good, whether the
 * replica persists, and the switch that takes this device offline and back. The switch is remembered for
 * the tab (sessionStorage), so a reload while offline stays offline and shows that the edits came back
 * from IndexedDB, not from the server.
 */
import type { CairnClient, Status } from '@cairn/client';

const LABELS: Record<Status['state'], string> = {
  offline: 'offline',
  connecting: 'connecting…',
  syncing: 'online · syncing',
  synced: 'online · synced',
  undeliverable: 'online · some edits refused',
};

function offlineKey(db: string): string {
  return `cairn-demo:offline:${db}`;
}

/** Whether this tab was switched offline before a reload. */
export function rememberedOffline(db: string): boolean {
  return sessionStorage.getItem(offlineKey(db)) === '1';
}

export function mountStatusBar(root: HTMLElement, client: CairnClient, db: string): void {
  const status = root.querySelector<HTMLElement>('[data-testid=status]')!;
  const label = status.querySelector<HTMLElement>('.state-label')!;
  const pending = root.querySelector<HTMLElement>('[data-testid=pending]')!;
  const persisting = root.querySelector<HTMLElement>('[data-testid=persisting]')!;
  const toggle = root.querySelector<HTMLInputElement>('[data-testid=online-switch]')!;
  const toggleLabel = root.querySelector<HTMLElement>('.switch-label')!;

  const render = (s: Status): void => {
    status.dataset.state = s.state;
    status.dataset.pending = String(s.pending);
    label.textContent = LABELS[s.state];
    pending.textContent = s.undeliverable > 0 ? `${s.pending} pending · ${s.undeliverable} refused` : `${s.pending} pending`;
    pending.classList.toggle('has-pending', s.pending > 0);
    persisting.hidden = s.persisting;
  };

  const apply = (online: boolean): void => {
    toggle.checked = online;
    toggleLabel.textContent = online ? 'Online' : 'Offline';
    if (online) {
      sessionStorage.removeItem(offlineKey(db));
      client.goOnline();
    } else {
      sessionStorage.setItem(offlineKey(db), '1');
      client.goOffline();
    }
  };

  toggle.addEventListener('change', () => apply(toggle.checked));
  client.on('status', render);
  render(client.status);
  if (rememberedOffline(db)) apply(false);
}
