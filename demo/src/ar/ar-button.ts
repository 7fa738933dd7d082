/**
 * "Enter AR": shown only where the browser (or an emulator such as IWER) offers an immersive-ar session.
 * One session at a time; the button ends it, too.
 */
import type { Anchors, SpaceFromReference, SpacePresence } from '@cairn/client';
import type { ArHook } from '../test-hook.js';
import { reportError } from '../toast.js';
import { startArSession } from './ar-session.js';
import { webxr } from './xr-types.js';

export function mountArButton(button: HTMLButtonElement, deps: {
    anchors: Anchors;
    presence: SpacePresence;
    align: SpaceFromReference;
    deviceId: () => string | null;
    hook: ArHook;
    /** An AR session started (true) or ended: the AR view owns this device's head pose meanwhile. */
    onActive(on: boolean): void;
  },): void {
  const api = webxr();
  if (!api) return;
  let end: (() => Promise<void>) | null = null;

  const enter = async (): Promise<void> => {
    button.disabled = true;
    try {
      const session = await startArSession(api, {
        anchors: deps.anchors,
        presence: deps.presence,
        align: deps.align,
        deviceId: deps.deviceId(),
        hook: deps.hook,
        onEnd: () => {
          end = null;
          deps.onActive(false);
          button.textContent = 'Enter AR';
        },
      });
      end = session.end;
      deps.onActive(true);
      button.textContent = 'Exit AR';
    } finally {
      button.disabled = false;
    }
  };

  button.addEventListener('click', () => {
    if (end) end().catch(reportError('could not leave AR'));
    else enter().catch(reportError('could not start AR'));
  });

  api.xr.isSessionSupported('immersive-ar').then(
    (ok) => (button.hidden = !ok),
    () => (button.hidden = true),
  );
}
