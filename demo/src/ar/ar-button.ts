/**
 * "Enter AR": shown only where the browser (or an emulator such as IWER) offers an immersive-ar session.
 * One session at a time; the button ends it, too.
 */
import type { Anchors, SpacePresence } from '@cairn/client';
import type { ArHook } from '../test-hook.js';
import { reportError } from '../toast.js';
import type { ArAlignment } from './ar-alignment.js';
import { startArSession } from './ar-session.js';
import { webxr } from './xr-types.js';

/** Resolves whether this browser offers immersive-ar (the button shows only then). */
export function mountArButton(button: HTMLButtonElement, deps: {
  anchors: Anchors;
  alignment: ArAlignment;
  presence: SpacePresence;
  deviceId: () => string | null;
  hook: ArHook;
  /** An AR session started (true) or ended: the AR view owns this device's head pose meanwhile. */
  onActive(on: boolean): void;
}): Promise<boolean> {
  const api = webxr();
  if (!api) return Promise.resolve(false);
  let end: (() => Promise<void>) | null = null;

  const enter = async (): Promise<void> => {
    button.disabled = true;
    try {
      const session = await startArSession(api, {
        anchors: deps.anchors,
        alignment: deps.alignment,
        presence: deps.presence,
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

  return api.xr.isSessionSupported('immersive-ar').then(
    (ok) => {
      button.hidden = !ok;
      return ok;
    },
    () => {
      button.hidden = true;
      return false;
    },
  );
}
