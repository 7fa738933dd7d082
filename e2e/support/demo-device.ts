/**
 * One "device" of the demo: a page with its own replica (`?db=`), driven the way a person uses it (mouse
 * on the plan, the panel's fields, the online switch), with exact reads through `window.cairnDemo`.
 */
import { expect, type Browser, type BrowserContext } from '@playwright/test';
import type { SpaceAnchor, Status } from '@cairn/client';

// The demo's `window.cairnDemo` typing (a global augmentation) comes with this re-export.
export type { CairnDemo } from '../../demo/src/test-hook.js';

export interface OpenOptions {
  baseUrl: string;
  db: string;
  space: string;
  /** Share a context (one browser profile = one origin's storage) with another device: two tabs. */
  context?: BrowserContext;
  /** Extra query parameters (e.g. align for AR). */
  query?: Record<string, string>;
}

/** The comparable part of an anchor: what two replicas must agree on. */
export type AnchorView = Pick<SpaceAnchor, 'id' | 'pose' | 'props' | 'cell' | 'createdAt' | 'createdBy'> & { expiresAt: number | null };

/** The shared server the global setup started. */
export function serverUrl(): string {
  const url = process.env.CAIRN_E2E_URL;
  if (!url) throw new Error('CAIRN_E2E_URL is unset: run the specs with `playwright test -c e2e` (its global setup starts the server)');
  return url;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

export function artifactPath(name: string): string {
  return new URL(`../artifacts/${name}.png`, import.meta.url).pathname;
}

export type DemoDevice = Awaited<ReturnType<typeof openDevice>>;

export async function openDevice(browser: Browser, opts: OpenOptions) {
  const context = opts.context ?? (await browser.newContext());
  const page = await context.newPage();
  const query = new URLSearchParams({ db: opts.db, space: opts.space, ...opts.query });
  const url = `${opts.baseUrl}/?${query.toString()}`;

  const waitReady = async (): Promise<void> => {
    await page.waitForFunction(() => window.cairnDemo !== undefined, undefined, { timeout: 20_000 });
  };

  /** The anchors this replica shows, sorted by id, as plain data. */
  const anchors = (): Promise<AnchorView[]> =>
    page.evaluate(() =>
      window.cairnDemo!.space.anchors
        .all()
        .map((a) => ({ id: a.id, pose: a.pose, props: a.props, cell: a.cell, createdAt: a.createdAt, createdBy: a.createdBy, expiresAt: a.expiresAt ?? null }))
        .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)),
    );
  const anchor = async (id: string): Promise<AnchorView | undefined> => (await anchors()).find((a) => a.id === id);
  const ids = async (): Promise<string[]> => (await anchors()).map((a) => a.id);
  const selected = (): Promise<string | null> => page.evaluate(() => window.cairnDemo!.selection.id);
  const screen = (x: number, z: number): Promise<{ x: number; y: number }> =>
    page.evaluate(([x, z]) => window.cairnDemo!.clientPoint(x!, z!), [x, z]);

  await page.goto(url);
  await waitReady();

  return {
    page,
    context,
    opts,
    anchors,
    anchor,
    ids,

    async reload(): Promise<void> {
      await page.reload();
      await waitReady();
    },

    status: (): Promise<Status> => page.evaluate(() => ({ ...window.cairnDemo!.client.status })),

    /** Ids of the list items and plan glyphs the page shows (the DOM, not the data). */
    shownIds: (): Promise<{ list: string[]; plan: string[] }> =>
      page.evaluate(() => {
        const of = (sel: string) => [...document.querySelectorAll(sel)].map((el) => el.getAttribute('data-anchor-id')!).sort();
        return { list: of('[data-testid=anchor-list] li[data-anchor-id]'), plan: of('[data-testid=plan] [data-anchor-id]') };
      }),

    /** Moves the mouse over the floor point (x, z) of the plan. */
    async hover(x: number, z: number): Promise<void> {
      const at = await screen(x, z);
      await page.mouse.move(at.x, at.y);
    },

    /** Clicks the floor at (x, z) and returns the id of the anchor created there (the page selects it). */
    async clickFloor(x: number, z: number): Promise<string> {
      const before = await selected();
      const at = await screen(x, z);
      await page.mouse.click(at.x, at.y);
      let created = '';
      await expect
        .poll(async () => {
          const id = await selected();
          created = id !== before && id !== null && (await ids()).includes(id) ? id : '';
          return created;
        })
        .not.toBe('');
      const a = (await anchor(created))!;
      expect([a.pose.p[0], a.pose.p[2]]).toEqual([x, z]);
      return created;
    },

    /** Presses on the anchor's glyph and drags it so that its centre lands on (x, z); returns the new pose. */
    async drag(id: string, x: number, z: number): Promise<AnchorView['pose']> {
      const a = await anchor(id);
      if (!a) throw new Error(`no anchor ${id} on ${opts.db}`);
      const from = await screen(a.pose.p[0], a.pose.p[2]);
      const to = await screen(x, z);
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(to.x, to.y, { steps: 8 });
      await page.mouse.up();
      await expect.poll(async () => (await anchor(id))?.pose.hlc).not.toBe(a.pose.hlc);
      return (await anchor(id))!.pose;
    },

    /** Selects an anchor by clicking it in the list. */
    async select(id: string): Promise<void> {
      await page.locator(`[data-testid=anchor-list] li[data-anchor-id="${id}"]`).click();
      await expect(page.getByTestId('panel')).toHaveAttribute('data-anchor-id', id);
    },

    /** Types into a panel field of the selected anchor and commits it with Enter. */
    async editField(field: 'label' | 'x' | 'y' | 'z' | 'heading', value: string): Promise<void> {
      const input = page.getByTestId(`panel-${field}`);
      await input.fill(value);
      await input.press('Enter');
    },

    async deleteSelected(): Promise<void> {
      const id = await selected();
      await page.getByTestId('panel-delete').click();
      await expect.poll(async () => (await ids()).includes(id!)).toBe(false);
    },

    /** Flips the "Device online" switch like a person does. */
    async setOnline(online: boolean): Promise<void> {
      const toggle = page.getByRole('switch', { name: 'Device online' });
      if (online) await toggle.check({ force: true });
      else await toggle.uncheck({ force: true });
      if (!online) await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'offline');
    },

    /** Waits until the status strip says synced with nothing pending. */
    async waitSynced(timeout = 20_000): Promise<void> {
      const status = page.getByTestId('status');
      await expect(status).toHaveAttribute('data-state', 'synced', { timeout });
      await expect(status).toHaveAttribute('data-pending', '0', { timeout });
    },

    pending: async (): Promise<number> => Number(await page.getByTestId('status').getAttribute('data-pending')),

    async screenshot(name: string): Promise<void> {
      await page.screenshot({ path: artifactPath(name) });
    },

    async close(): Promise<void> {
      if (opts.context) await page.close();
      else await context.close();
    },
  };
}
