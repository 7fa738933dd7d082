/**
 * What the trigger does in the AR view, chosen in the session's DOM overlay (a phone in AR shows it over
 * the camera view) or, on a headset that shows no overlay, by squeezing the grip to step through the
 * choices (the reticle takes the colour of the anchor chosen):
 *
 *   place          (the default) a new anchor at the reticle
 *   I am at <pin>  a sighting (P3): the person stands at that shared anchor, facing the way it points (its
 *                  nose), with the reticle on it; the device's alignment is re-fitted to it
 *
 * After a sighting the choice goes back to placing, so the next pull does not re-sight by accident.
 */
import type { Anchors, SpaceAnchor } from '@cairn/client';
import { anchorLabel } from '../anchor-look.js';

const PLACE = '';

function byCreation(x: SpaceAnchor, y: SpaceAnchor): number {
  return x.createdAt < y.createdAt ? -1 : x.createdAt > y.createdAt ? 1 : x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}

export interface ArTarget {
  /** The anchor the next pull sights, or null to place one. */
  target(): SpaceAnchor | null;
  /** Back to placing. */
  clear(): void;
  /** The next choice, after the last one back to placing. */
  next(): void;
  dispose(): void;
}

export function mountArTarget(root: HTMLElement, anchors: Anchors): ArTarget {
  const label = document.createElement('label');
  label.className = 'ar-target';
  label.textContent = 'Trigger: ';
  const select = document.createElement('select');
  select.dataset.testid = 'ar-target';
  label.append(select);
  root.append(label);

  let shown = '';
  const refresh = (): void => {
    const chosen = select.value;
    const options = [new Option('place an anchor', PLACE)];
    for (const a of anchors.all().sort(byCreation)) {
      options.push(new Option(`I am at ${anchorLabel(a)}`, a.id));
    }
    // Rebuilt only when the choices change: a rebuild closes a list the person has open.
    const key = options.map((o) => `${o.value}:${o.text}`).join('\n');
    if (key === shown) return;
    shown = key;
    select.replaceChildren(...options);
    select.value = options.some((o) => o.value === chosen) ? chosen : PLACE;
  };
  const unsubscribe = anchors.onChange(refresh);
  refresh();

  return {
    target: () => (select.value === PLACE ? null : (anchors.get(select.value) ?? null)),
    clear: () => {
      select.value = PLACE;
    },
    next: () => {
      select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
    },
    dispose: () => {
      unsubscribe();
      label.remove();
    },
  };
}
