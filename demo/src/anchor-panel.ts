/**
 * The panel for the selected anchor: its props (label, colour, the raw JSON), its pose (position, height,
 * heading), its TTL, and delete. Each field writes when the person commits it (Enter or leaving the
 * field); a field being typed in is never overwritten by a sync.
 */
import type { Anchors, SpaceAnchor } from '@cairn/client';
import { anchorColor, anchorLabel, expiryText } from './anchor-look.js';
import { headingDeg, withHeading } from './heading.js';
import type { Selection } from './selection.js';
import { reportError } from './toast.js';

const TTL_CHOICES: [string, number | null][] = [['never', null], ['5 s', 5_000], ['30 s', 30_000], ['1 min', 60_000], ['10 min', 600_000], ['1 h', 3_600_000]];

const TEMPLATE = `
  <h2><span data-field="title"></span> <code data-field="id"></code></h2>
  <label>Label <input data-testid="panel-label" type="text" maxlength="60" /></label>
  <label>Colour <input data-testid="panel-color" type="color" /></label>
  <fieldset class="pose"><legend>Pose (m, space frame)</legend>
    <label>x <input data-testid="panel-x" type="number" step="0.01" /></label>
    <label>y <input data-testid="panel-y" type="number" step="0.01" /></label>
    <label>z <input data-testid="panel-z" type="number" step="0.01" /></label>
    <label>heading° <input data-testid="panel-heading" type="number" step="1" /></label>
  </fieldset>
  <div class="ttl">
    <label>TTL <select data-testid="panel-ttl">${TTL_CHOICES.map(([t], i) => `<option value="${i}">${t}</option>`).join('')}</select></label>
    <button type="button" data-testid="panel-set-ttl">Set TTL</button>
    <span data-testid="panel-expiry" class="expiry"></span>
  </div>
  <details><summary>props, cell, origin</summary><pre data-testid="panel-props"></pre></details>
  <button type="button" class="danger" data-testid="panel-delete">Delete anchor</button>`;

export interface AnchorPanel {
  refresh(): void;
}

export function mountAnchorPanel(root: HTMLElement, anchors: Anchors, selection: Selection): AnchorPanel {
  root.innerHTML = TEMPLATE;
  const $ = <T extends HTMLElement>(sel: string): T => root.querySelector<T>(sel)!;
  const input = (id: string): HTMLInputElement => $<HTMLInputElement>(`[data-testid=panel-${id}]`);
  const current = (): SpaceAnchor | undefined => (selection.id ? anchors.get(selection.id) : undefined);

  const show = (el: HTMLInputElement, value: string): void => {
    if (document.activeElement !== el) el.value = value;
  };

  const refresh = (): void => {
    const a = current();
    root.hidden = !a;
    if (!a) return;
    root.dataset.anchorId = a.id;
    $('[data-field=title]').textContent = anchorLabel(a);
    $('[data-field=id]').textContent = a.id.slice(-8);
    show(input('label'), typeof a.props['label'] === 'string' ? a.props['label'] : '');
    show(input('color'), anchorColor(a));
    show(input('x'), a.pose.p[0].toFixed(2));
    show(input('y'), a.pose.p[1].toFixed(2));
    show(input('z'), a.pose.p[2].toFixed(2));
    show(input('heading'), headingDeg(a.pose.q).toFixed(0));
    $('[data-testid=panel-expiry]').textContent = expiryText(a, Date.now()) || 'no expiry';
    const { props, cell, lat, lon, alt, createdBy, createdAt } = a;
    $('[data-testid=panel-props]').textContent = JSON.stringify({ props, cell, lat, lon, alt, createdBy, createdAt }, null, 2);
  };

  const edit = (what: string, fn: (a: SpaceAnchor) => Promise<unknown>): void => {
    const a = current();
    if (a) fn(a).then(refresh, reportError(`could not ${what}`));
  };

  input('label').addEventListener('change', () => edit('rename the anchor', (a) => anchors.update(a.id, { label: input('label').value })));
  input('color').addEventListener('change', () => edit('recolour the anchor', (a) => anchors.update(a.id, { color: input('color').value })));
  for (const axis of ['x', 'y', 'z'] as const) {
    input(axis).addEventListener('change', () =>
      edit('move the anchor', (a) => {
        const p: [number, number, number] = [...a.pose.p];
        const v = input(axis).valueAsNumber;
        if (Number.isFinite(v)) p[{ x: 0, y: 1, z: 2 }[axis]] = v;
        return anchors.move(a.id, { p, q: [...a.pose.q] });
      }),
    );
  }
  input('heading').addEventListener('change', () =>
    edit('turn the anchor', (a) => anchors.move(a.id, withHeading(a.pose, input('heading').valueAsNumber || 0))),
  );
  $('[data-testid=panel-set-ttl]').addEventListener('click', () => {
    const choice = TTL_CHOICES[Number($<HTMLSelectElement>('[data-testid=panel-ttl]').value)] ?? TTL_CHOICES[0]!;
    edit('set the TTL', (a) => anchors.extendTtl(a.id, choice[1]));
  });
  $('[data-testid=panel-delete]').addEventListener('click', () =>
    edit('delete the anchor', async (a) => {
      await anchors.delete(a.id);
      selection.set(null);
    }),
  );

  // Delete on the keyboard, unless the person is typing in a field.
  window.addEventListener('keydown', (e) => {
    if (e.key !== 'Delete' || e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
    if (current()) $('[data-testid=panel-delete]').click();
  });

  selection.on(refresh);
  anchors.onChange(refresh);
  refresh();
  return { refresh };
}
