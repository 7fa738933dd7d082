/**
 * The list of the anchors this replica shows, oldest first; clicking one selects it. Items are keyed by
 * id and updated in place, so the countdown tick never replaces the element under the pointer.
 */
import type { Anchors, SpaceAnchor } from '@cairn/client';
import { anchorColor, anchorLabel, expiryText } from './anchor-look.js';
import type { Selection } from './selection.js';

export interface AnchorList {
  refresh(): void;
}

function byCreation(a: SpaceAnchor, b: SpaceAnchor): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function span(cls: string): HTMLSpanElement {
  const el = document.createElement('span');
  el.className = cls;
  return el;
}

export function mountAnchorList(list: HTMLUListElement, count: HTMLElement, anchors: Anchors, selection: Selection): AnchorList {
  const items = new Map<string, HTMLLIElement>();
  const empty = document.createElement('li');
  empty.className = 'empty';
  empty.textContent = 'No anchors yet: click the plan to drop one.';

  const item = (id: string): HTMLLIElement => {
    let li = items.get(id);
    if (!li) {
      li = document.createElement('li');
      li.dataset.anchorId = id;
      li.append(span('dot'), span('name'), span('where'), span('ttl'));
      li.tabIndex = 0;
      li.addEventListener('click', () => selection.set(id));
      li.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') selection.set(id);
      });
      items.set(id, li);
    }
    return li;
  };

  const refresh = (): void => {
    const all = anchors.all().sort(byCreation);
    const now = Date.now();
    count.textContent = String(all.length);
    const keep = new Set<string>();
    all.forEach((a, i) => {
      keep.add(a.id);
      const li = item(a.id);
      li.classList.toggle('selected', a.id === selection.id);
      li.querySelector<HTMLElement>('.dot')!.style.background = anchorColor(a);
      li.querySelector('.name')!.textContent = anchorLabel(a);
      li.querySelector('.where')!.textContent = `${a.pose.p[0].toFixed(2)}, ${a.pose.p[2].toFixed(2)}`;
      li.querySelector('.ttl')!.textContent = expiryText(a, now);
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] ?? null);
    });
    for (const [id, li] of items) {
      if (keep.has(id)) continue;
      li.remove();
      items.delete(id);
    }
    if (all.length === 0) list.append(empty);
    else empty.remove();
  };
  selection.on(refresh);
  anchors.onChange(refresh);
  refresh();
  return { refresh };
}
