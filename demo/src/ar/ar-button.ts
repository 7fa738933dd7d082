/**
 * "Enter AR": shown only where the browser (or an emulator such as IWER) offers an immersive-ar session.
 * One session at a time; the button ends it, too.
 */
import type { Anchors } from '@cairn/client';
import type { ArHook } from '../test-hook.js';
import { reportError } from '../toast.js';
import type { ArAlignment } from './ar-alignment.js';
import { startArSession } from './ar-session.js';
import { webxr } from './xr-types.js';

/** Resolves whether this browser offers immersive-ar (the button shows only then). */
export function mountArButton(button: HTMLButtonElement, deps: { anchors: Anchors; alignment: ArAlignment; deviceId: () => string | null; hook: ArHook }): Promise<boolean> {
  const api = webxr();
  if (!api) return Promise.resolve(false);
  let end: (() => Promise<void>) | null = null;

  const enter = async (): Promise<void> => {
    button.disabled = true;
    try {
      const session = await startArSession(api, {
        anchors: deps.anchors,
        alignment: deps.alignment,
        deviceId: deps.deviceId(),
        hook: deps.hook,
        onEnd: () => {
          end = null;
          button.textContent = 'Enter AR';
        },
      });
      end = session.end;
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
