/**
 * Binding space anchors to WebXR anchors (DESIGN §6 xr/), against small fakes of XRFrame, XRAnchor and
 * XRSession (real-browser WebXR runs in e2e/ with IWER): the XRAnchor is created at the anchor's pose in
 * the device's reference space, and a persistent handle is stored in the anchor's platformRefs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { quatFromAxisAngle, type Pose } from '@cairn/shared';
import {
  createXRAnchorFor, restoreXRAnchor, toSpacePose, WEBXR_PERSISTENT, type CairnClient, type XRAnchorLike, type XRFrameLike,
  type XRPointLike, type XRRigidTransformLike, type XRSessionLike,
} from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn } from './support/client-harness.js';

class FakeRigidTransform implements XRRigidTransformLike {
  readonly position: XRPointLike;
  readonly orientation: XRPointLike;
  constructor(position: Partial<XRPointLike> = {}, orientation: Partial<XRPointLike> = {}) {
    this.position = { x: 0, y: 0, z: 0, w: 1, ...position };
    this.orientation = { x: 0, y: 0, z: 0, w: 1, ...orientation };
  }
}

function fakeFrame(persistent: boolean) {
  const created: { pose: XRRigidTransformLike; space: object; anchor: XRAnchorLike }[] = [];
  const frame: XRFrameLike = {
    createAnchor(pose, space) {
      const handle = `handle-${created.length}`;
      const anchor: XRAnchorLike = {
        anchorSpace: {},
        delete() {},
        ...(persistent ? { requestPersistentHandle: () => Promise.resolve(handle) } : {}),
      };
      created.push({ pose, space, anchor });
      return Promise.resolve(anchor);
    },
    getPose: () => null,
  };
  return { frame, created };
}

const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const alignment: Pose = { p: [10, 0, 0], q: quatFromAxisAngle([0, 1, 0], Math.PI / 2) };

describe('XR anchor binding', () => {
  it('creates the XRAnchor at the anchor\'s pose in the reference space and stores its persistent handle', async () => {
    const client = clientOn(createFakeServer());
    clients.push(client);
    client.goOffline();
    const space = client.space('site', { origin: ORIGIN });
    await space.subscribeRegion({ lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 30 });
    const anchor = await space.anchors.create({ pose: { p: [8, 1, 0], q: alignment.q } });
    const refSpace = { name: 'local-floor' };
    const { frame, created } = fakeFrame(true);
    const binding = await createXRAnchorFor(frame, refSpace, anchor, alignment, {
      anchors: space.anchors,
      deviceId: 'quest-3',
      XRRigidTransform: FakeRigidTransform,
    });
    expect(created).toHaveLength(1);
    expect(created[0]!.space).toBe(refSpace);
    const { position: p, orientation: o } = created[0]!.pose;
    // The anchor is 2 m in front of a device that started at the alignment's origin.
    const back = toSpacePose(alignment, { p: [p.x, p.y, p.z], q: [o.x, o.y, o.z, o.w] });
    for (let i = 0; i < 3; i++) expect(back.p[i]).toBeCloseTo(anchor.pose.p[i]!, 9);
    expect([p.x, p.y, p.z].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0, 1, -2]);
    expect(binding).toEqual({ xrAnchor: created[0]!.anchor, handle: 'handle-0' });
    expect(space.anchors.get(anchor.id)?.platformRefs).toEqual([{ kind: WEBXR_PERSISTENT, handle: 'handle-0', deviceId: 'quest-3' }]);

    const restored: string[] = [];
    const session: XRSessionLike = {
      restorePersistentAnchor: (h) => {
        restored.push(h);
        return Promise.resolve({ anchorSpace: {}, delete() {} });
      },
    };
    expect(await restoreXRAnchor(session, space.anchors.get(anchor.id)!, 'quest-3')).not.toBeNull();
    expect(await restoreXRAnchor(session, space.anchors.get(anchor.id)!, 'other-device')).toBeNull();
    expect(restored).toEqual(['handle-0']);
  });

  it('without persistence support (or without anchors to store into) no handle is requested', async () => {
    const { frame } = fakeFrame(false);
    const anchor = { id: 'a', pose: { p: [0, 0, 0] as [number, number, number], q: [0, 0, 0, 1] as [number, number, number, number] } };
    const stored: unknown[] = [];
    const anchors = { addPlatformRef: (id: string, ref: unknown) => (stored.push(ref), Promise.reject(new Error('not called'))) };
    expect((await createXRAnchorFor(frame, {}, anchor, alignment, { anchors, XRRigidTransform: FakeRigidTransform })).handle).toBeNull();
    const persistent = fakeFrame(true);
    expect((await createXRAnchorFor(persistent.frame, {}, anchor, alignment, { XRRigidTransform: FakeRigidTransform })).handle).toBeNull();
    expect(stored).toEqual([]);
  });

  it('a session without the anchors feature, or a page without WebXR, gets a clear BAD_REQUEST', async () => {
    const anchor = { id: 'a', pose: { p: [0, 0, 0] as [number, number, number], q: [0, 0, 0, 1] as [number, number, number, number] } };
    await expect(createXRAnchorFor({ getPose: () => null }, {}, anchor, alignment)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/anchors/) as string });
    await expect(createXRAnchorFor(fakeFrame(false).frame, {}, anchor, alignment)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/XRRigidTransform/) as string });
  });
});
