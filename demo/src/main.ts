/**
 * The demo page's composition root: one client (this device's replica), one space, and the views wired
 * to it. Logic lives in the views; this file only connects them.
 */
import { createCairnClient } from '@cairn/client';
import { mountAnchorList } from './anchor-list.js';
import { mountAlignmentStatus } from './alignment-status.js';
import { mountAnchorPanel } from './anchor-panel.js';
import { givenAlignment, sightedAlignment } from './ar/ar-alignment.js';
import { mountArButton } from './ar/ar-button.js';
import { deviceTag } from './default-label.js';
import { anotherDeviceUrl, readPageParams } from './page-params.js';
import { clientPoint } from './plan-frame.js';
import { mountOwnPresence } from './own-presence.js';
import { mountPeerAvatars } from './peer-avatars.js';
import { ownLook } from './peer-look.js';
import { mountPlanView } from './plan-view.js';
import { registerAppShell } from './register-app-shell.js';
import { createSelection } from './selection.js';
import { mountStatusBar } from './status-bar.js';
import { exposeTestHook, type ArHook } from './test-hook.js';
import { toast } from './toast.js';
import { showUpdatePrompt } from './update-prompt.js';

/** The plan spans ±10 m × ±7 m; the region covers it with room to spare (cells are ~100 m). */
const REGION_RADIUS_M = 25;
/** TTL countdowns and expiry (X4: the replica hides an expired anchor by its own clock). */
const TICK_MS = 1000;

registerAppShell(showUpdatePrompt);
const params = readPageParams(window.location);
const client = createCairnClient({ url: params.wsUrl, dbName: params.db, ...(params.token ? { token: params.token } : {}) });
mountStatusBar(document.body, client, params.db);
client.on('rejected', (r) => toast(`the server refused an edit of ${r.doc}: ${r.code}`));
client.on('storage-error', (e) =>
  toast(e.kind === 'quota' ? 'local storage is full: working in memory, freeing space' : `local storage failed (${e.kind}): working in memory only`),
);
client.on('error', (err) => console.warn('cairn client', err));

document.querySelector('[data-testid=space-name]')!.textContent = `/ ${params.space}`;
document.querySelector('[data-testid=device-name]')!.textContent = params.db;
document.querySelector<HTMLAnchorElement>('[data-testid=another-device]')!.href = anotherDeviceUrl(window.location);
document.title = `Cairn · ${params.space}`;

const space = client.space(params.space, { origin: params.origin });
const region = await space.subscribeRegion({ lat: params.origin.lat, lon: params.origin.lon, radiusM: REGION_RADIUS_M });
// The space's stored origin wins over ours (?origin= or the default) once its meta doc is loaded.
if (space.origin.lat !== params.origin.lat || space.origin.lon !== params.origin.lon) {
  await region.move({ lat: space.origin.lat, lon: space.origin.lon, radiusM: REGION_RADIUS_M });
}
if (client.clientId) document.querySelector<HTMLElement>('[data-testid=device-name]')!.title = `this device names its pins Pin <n>·${deviceTag(client.clientId)}`;
const selection = createSelection();
const svg = document.querySelector<SVGSVGElement>('[data-testid=plan]')!;
const views = [
  mountPlanView(svg, document.querySelector<HTMLElement>('[data-testid=nearest]')!, space.anchors, selection, () => client.clientId),
  mountAnchorPanel(document.querySelector<HTMLElement>('[data-testid=panel]')!, space.anchors, selection),
  mountAnchorList(document.querySelector<HTMLUListElement>('[data-testid=anchor-list]')!, document.querySelector<HTMLElement>('[data-testid=anchor-count]')!, space.anchors, selection),
];
setInterval(() => views.forEach((v) => v.refresh()), TICK_MS);
mountPeerAvatars(svg, space.presence);
// Each device starts at a spot of its own on a 3 m circle, so two fresh devices are not drawn on top of each other.
const turn = (parseInt(deviceTag(client.clientId ?? params.db), 36) % 12) * (Math.PI / 6);
const me = mountOwnPresence(svg, space.presence, ownLook(params.db, client.clientId), { x: 3 * Math.sin(turn), z: 3 * Math.cos(turn) });

const ar: ArHook = { active: false, reticle: null, seen: {}, tracked: [], placed: [], peers: {}, frames: 0 };
// WebXR frames keep +Y up, so the gravity-aligned model: one sighting (position and heading) aligns.
const alignment = params.align ? givenAlignment(params.align) : sightedAlignment(client.alignment(params.space, { model: 'yaw' }));
const arSupported = mountArButton(document.querySelector<HTMLButtonElement>('[data-testid=enter-ar]')!, {
  anchors: space.anchors, alignment, presence: space.presence, deviceId: () => client.clientId, hook: ar, onActive: (on) => me.pause(on),
});
mountAlignmentStatus(document.querySelector<HTMLElement>('[data-testid=alignment]')!, alignment, arSupported);
exposeTestHook({ client, space, region, selection, clientPoint: (x, z) => clientPoint(svg, x, z), ar });
document.body.dataset.ready = 'true';
