/**
 * A WebXR headset emulated by IWER (Meta's Immersive Web Emulation Runtime) inside a browser context,
 * installed before the page's own scripts. IWER's world frame stands for the physical room both
 * emulated devices are in; each headset starts at a pose in it, and IWER puts that device's `local`
 * reference space there, so two devices' reference spaces differ by a transform the test knows.
 *
 * IWER computes hit tests through a "synthetic environment module"; the one here is a bare floor (the
 * plane y = 0): a hit lies where the ray meets it, with +Y up and -Z along the ray's heading.
 */
import { createRequire } from 'node:module';
import type { BrowserContext, Page } from '@playwright/test';
import type { Pose } from '@cairn/shared';

const IWER_BUILD = createRequire(import.meta.url).resolve('iwer/build/iwer.js');

/** Runs in the page: no closures over test code, everything it needs is inside. */
function installHeadset(headset: { p: number[]; q: number[] }): void {
  type Mat = ArrayLike<number>;
  interface Vec {
    clone(): Vec;
    set(...c: number[]): Vec;
  }
  interface Device {
    installRuntime(o: { forceInstall: boolean }): void;
    installSEM(ctor: unknown): void;
    position: Vec;
    quaternion: Vec;
  }
  const g = globalThis as unknown as {
    IWER: { XRDevice: new (config: unknown, options?: unknown) => Device; metaQuest3: unknown };
    __xrDevice?: Device;
  };
  class FloorEnvironment {
    version = 'floor-1';
    environmentCanvas = document.createElement('canvas');
    trackedPlanes = new Set();
    trackedMeshes = new Set();
    planesVisible = false;
    boundingBoxesVisible = false;
    meshesVisible = false;
    render(): void {}
    loadEnvironment(): void {}
    loadDefaultEnvironment(): void {}
    deleteAll(): void {}
    computeDepthBuffer(): null {
      return null;
    }
    computeHitTestResults(ray: Mat): Float32Array[] {
      const o = [ray[12]!, ray[13]!, ray[14]!];
      const d = [-ray[8]!, -ray[9]!, -ray[10]!];
      if (d[1]! >= -1e-9) return [];
      const t = -o[1]! / d[1]!;
      const x = o[0]! + t * d[0]!;
      const z = o[2]! + t * d[2]!;
      const yaw = Math.hypot(d[0]!, d[2]!) < 1e-9 ? 0 : Math.atan2(-d[0]!, -d[2]!);
      const c = Math.cos(yaw);
      const s = Math.sin(yaw);
      return [new Float32Array([c, 0, -s, 0, 0, 1, 0, 0, s, 0, c, 0, x, 0, z, 1])];
    }
  }
  // The starting pose goes in through the constructor: IWER places `local` where the headset was when
  // the device was made, before any frame runs. Its vector classes are not exported; a scratch device's
  // are cloned.
  const scratch = new g.IWER.XRDevice(g.IWER.metaQuest3);
  const device = new g.IWER.XRDevice(g.IWER.metaQuest3, {
    stereoEnabled: false,
    headsetPosition: scratch.position.clone().set(headset.p[0]!, headset.p[1]!, headset.p[2]!),
    headsetQuaternion: scratch.quaternion.clone().set(headset.q[0]!, headset.q[1]!, headset.q[2]!, headset.q[3]!),
  });
  device.installRuntime({ forceInstall: true });
  device.installSEM(FloorEnvironment);
  g.__xrDevice = device;
}

/** Emulates a headset standing at `headset` (in IWER's world frame) in every page of the context. */
export async function emulateHeadset(context: BrowserContext, headset: Pose): Promise<void> {
  await context.addInitScript({ path: IWER_BUILD });
  await context.addInitScript(installHeadset, { p: [...headset.p], q: [...headset.q] });
}

/** Waits until the AR view has rendered `n` more frames. */
export async function waitFrames(page: Page, n: number): Promise<void> {
  const start = await page.evaluate(() => window.cairnDemo!.ar.frames);
  await page.waitForFunction((s) => window.cairnDemo!.ar.frames >= s, start + n);
}

/**
 * The person walks and turns: the headset now stands at `headset` (IWER's world frame). The session's
 * `local` space stays where it was made; the hit test and the views follow from the next frame on.
 */
export async function moveHeadset(page: Page, headset: Pose): Promise<void> {
  type Vec = { set(...c: number[]): unknown };
  await page.evaluate(({ p, q }) => {
    const device = (window as unknown as { __xrDevice: { position: Vec; quaternion: Vec } }).__xrDevice;
    device.position.set(p[0]!, p[1]!, p[2]!);
    device.quaternion.set(q[0]!, q[1]!, q[2]!, q[3]!);
  }, { p: [...headset.p], q: [...headset.q] });
  await waitFrames(page, 2);
}

/** Presses and releases a button of the right controller: the trigger is "select", the grip "squeeze". */
export async function pressButton(page: Page, button: 'trigger' | 'squeeze'): Promise<void> {
  type Buttons = { controllers: { right: { updateButtonValue(id: string, v: number): void } } };
  const set = (value: number) =>
    page.evaluate(([id, v]) => (window as unknown as { __xrDevice: Buttons }).__xrDevice.controllers.right.updateButtonValue(id as string, v as number), [button, value]);
  await set(1);
  await waitFrames(page, 3);
  await set(0);
  await waitFrames(page, 3);
}

/** Pulls and releases the right controller's trigger: the person's "select" in the AR view. */
export function pullTrigger(page: Page): Promise<void> {
  return pressButton(page, 'trigger');
}
