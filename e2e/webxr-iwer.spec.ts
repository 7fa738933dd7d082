/**
 * X2 and DESIGN §6 xr/: two emulated headsets (IWER) stand in one room at different poses, so their
 * `local` reference spaces are offset by a known transform. Each knows its own alignment to the shared
 * space (passed as ?align=), enters AR, aims at the floor and pulls the trigger. Each then sees the
 * other's anchor, through an XRAnchor in its own reference space, exactly where the other placed it in
 * the room: within 1 mm and 0.1°. Each also sends its viewer pose as its presence (P4) and draws a marker at
 * the other's head, where that headset is in the room.
 */
import { expect, test, type Browser } from '@playwright/test';
import { composePose, invertPose, multiplyQuat, poseDistance, quatFromAxisAngle, type Pose } from '@cairn/shared';
import { CHROMIUM } from './support/chromium.js';
import { openDevice, serverUrl, uniqueName, type DemoDevice } from './support/demo-device.js';
import { emulateHeadset, pullTrigger } from './support/emulated-headset.js';

test.use({ launchOptions: { executablePath: CHROMIUM.executablePath, args: [...CHROMIUM.args, ...CHROMIUM.webglArgs] } });

const deg = (d: number) => (d * Math.PI) / 180;
const yaw = (d: number) => quatFromAxisAngle([0, 1, 0], deg(d));

/** A headset at `p` (room frame), turned `heading` degrees left of north and looking `down` degrees below the horizon. */
function headset(p: [number, number, number], heading: number, down: number): Pose {
  return { p, q: multiplyQuat(yaw(heading), quatFromAxisAngle([1, 0, 0], deg(-down))) };
}

/** Where the headset's gaze meets the floor, facing along its heading: what a floor hit test must return. */
function floorHit(h: Pose, heading: number, down: number): Pose {
  const reach = h.p[1] / Math.tan(deg(down));
  return { p: [h.p[0] - reach * Math.sin(deg(heading)), 0, h.p[2] - reach * Math.cos(deg(heading))], q: yaw(heading) };
}

// The shared space's frame in the room (space-from-room): anything but the identity.
const SPACE_FROM_ROOM: Pose = { p: [3, 0, -2], q: yaw(15) };
const DEVICES = {
  a: { at: headset([1, 1.6, 2], 30, 45), heading: 30, down: 45 },
  b: { at: headset([-2, 1.4, -1], -120, 30), heading: -120, down: 30 },
};

function expectClose(actual: Pose, expected: Pose, what: string): void {
  const d = poseDistance(actual, expected);
  expect(d.meters, `${what}: position off by ${d.meters} m`).toBeLessThanOrEqual(0.001);
  expect(d.degrees, `${what}: rotation off by ${d.degrees}°`).toBeLessThanOrEqual(0.1);
}

async function headsetDevice(browser: Browser, name: 'a' | 'b', space: string): Promise<DemoDevice> {
  const context = await browser.newContext();
  await emulateHeadset(context, DEVICES[name].at);
  // The device's alignment: its local reference space (where IWER put it: the starting headset pose) in the space frame.
  const align = composePose(SPACE_FROM_ROOM, DEVICES[name].at);
  const device = await openDevice(browser, {
    baseUrl: serverUrl(),
    db: `headset-${name}`,
    space,
    context,
    query: { align: [...align.p, ...align.q].map(String).join(',') },
  });
  await device.waitSynced();
  return device;
}

async function enterAr(device: DemoDevice): Promise<void> {
  await device.page.getByTestId('enter-ar').click();
  await device.page.waitForFunction(() => {
    const ar = window.cairnDemo!.ar;
    return ar.active && ar.frames > 2 && ar.reticle !== null;
  });
}

async function place(device: DemoDevice): Promise<string> {
  await pullTrigger(device.page);
  await device.page.waitForFunction(() => window.cairnDemo!.ar.placed.length === 1);
  return device.page.evaluate(() => window.cairnDemo!.ar.placed[0]!);
}

test('xr/, P4: two headsets with offset reference spaces each see the other\'s anchor, and a marker at the other\'s head, at the right pose (≤ 1 mm, ≤ 0.1°)', async ({ browser }) => {
  const space = uniqueName('xr');
  const a = await headsetDevice(browser, 'a', space);
  const b = await headsetDevice(browser, 'b', space);
  await enterAr(a);
  await enterAr(b);

  const hitA = floorHit(DEVICES.a.at, DEVICES.a.heading, DEVICES.a.down);
  const hitB = floorHit(DEVICES.b.at, DEVICES.b.heading, DEVICES.b.down);
  // The reticle is the floor hit, in each device's own reference space.
  expectClose(await a.page.evaluate(() => window.cairnDemo!.ar.reticle!), composePose(invertPose(DEVICES.a.at), hitA), 'reticle of a');
  expectClose(await b.page.evaluate(() => window.cairnDemo!.ar.reticle!), composePose(invertPose(DEVICES.b.at), hitB), 'reticle of b');

  const idA = await place(a);
  const idB = await place(b);
  await a.waitSynced();
  await b.waitSynced();

  for (const device of [a, b]) {
    await device.page.waitForFunction((ids) => ids.every((id) => window.cairnDemo!.ar.tracked.includes(id)), [idA, idB]);
    // In the space frame, in both replicas: where the hit was in the room.
    expectClose((await device.anchor(idA))!.pose, composePose(SPACE_FROM_ROOM, hitA), `anchor a in the space frame on ${device.opts.db}`);
    expectClose((await device.anchor(idB))!.pose, composePose(SPACE_FROM_ROOM, hitB), `anchor b in the space frame on ${device.opts.db}`);
  }

  // What each headset draws, in its own reference space, through the XRAnchor the runtime tracks.
  const seenByA = await a.page.evaluate(() => window.cairnDemo!.ar.seen);
  const seenByB = await b.page.evaluate(() => window.cairnDemo!.ar.seen);
  expectClose(seenByB[idA]!, composePose(invertPose(DEVICES.b.at), hitA), 'b sees a\'s anchor');
  expectClose(seenByA[idB]!, composePose(invertPose(DEVICES.a.at), hitB), 'a sees b\'s anchor');
  expectClose(seenByA[idA]!, composePose(invertPose(DEVICES.a.at), hitA), 'a sees its own anchor');
  expectClose(seenByB[idB]!, composePose(invertPose(DEVICES.b.at), hitB), 'b sees its own anchor');

  // Presence: each headset sends its viewer pose (space frame) and draws the other's head where it is in the room.
  const idOf = (d: DemoDevice) => d.page.evaluate(() => window.cairnDemo!.client.clientId!);
  const [peerA, peerB] = [await idOf(a), await idOf(b)];
  await b.page.waitForFunction((id) => window.cairnDemo!.ar.peers[id] !== undefined, peerA);
  await a.page.waitForFunction((id) => window.cairnDemo!.ar.peers[id] !== undefined, peerB);
  expectClose((await b.page.evaluate((id) => window.cairnDemo!.ar.peers[id]!, peerA)), composePose(invertPose(DEVICES.b.at), DEVICES.a.at), 'b sees a\'s head');
  expectClose((await a.page.evaluate((id) => window.cairnDemo!.ar.peers[id]!, peerB)), composePose(invertPose(DEVICES.a.at), DEVICES.b.at), 'a sees b\'s head');

  // The placing device stored its XRAnchor's persistent handle with the anchor.
  const refs = (await a.page.evaluate((id) => window.cairnDemo!.space.anchors.get(id)?.platformRefs ?? [], idA));
  expect(refs.map((r) => r.kind)).toContain('webxr-persistent');

  await a.screenshot('webxr-1-headset-a');
  await b.screenshot('webxr-2-headset-b');
  await a.close();
  await b.close();
});
