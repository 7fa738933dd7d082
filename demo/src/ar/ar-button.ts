/**
 * "Enter AR": shown only where the browser (or an emulator such as IWER) offers an immersive-ar session.
 * One session at a time; the button ends it, too.
 */
import type { Anchors, SpaceFromReference } from '@cairn/client';
import type { ArHook } from '../test-hook.js';
import { reportError } from '../toast.js';
import { startArSession } from './ar-session.js';
import { webxr } from './xr-types.js';

export function mountArButton(button: HTMLButtonElement, deps: { anchors: Anchors; align: SpaceFromReference; deviceId: () => string | null; hook: ArHook }): void {
  const api = webxr();
  if (!api) return;
  let end: (() => Promise<void>) | null = null;

  const enter = async (): Promise<void> => {
    button.disabled = true;
    try {
      const session = await startArSession(api, {
        anchors: deps.anchors,
        align: deps.align,
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

  api.xr.isSessionSupported('immersive-ar').then(
    (ok) => (button.hidden = !ok),
    () => (button.hidden = true),
  );
}
