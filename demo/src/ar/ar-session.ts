/**
 * One immersive-ar session:
 *
 *   start         a new tracking frame: sightings from an earlier session are dropped (ar-alignment.ts)
 *   every frame   hit test from the viewer → reticle; each anchor of the space → its pose in this
 *                 device's reference space (through its XRAnchor where the runtime has them) → drawn
 *                 the viewer pose → this device's presence head (space frame); each peer's head →
 *                 a marker (a box in its colour, with a nose where it looks)
 *   select        (trigger, tap) → an anchor at the reticle, written in the SPACE frame; or, when the
 *                 overlay says "I am at <pin>" (ar-target.ts), a sighting of that anchor at the reticle
 *   squeeze       (grip) → the next choice of what the trigger does
 *
 * The alignment is the reference space's pose in the space frame (space-from-reference): where this
 * device's tracking origin sits in the shared space. Two devices whose tracking origins differ agree on
 * every anchor once each knows its own alignment.
 */
import { poseFromXRPose, toReferencePose, toSpacePose, type Anchors, type SpaceAnchor, type SpacePresence } from '@cairn/client';
import { transformPoint, type Pose } from '@cairn/shared';
import { alignmentText } from '../alignment-status.js';
import { anchorColor, anchorLabel } from '../anchor-look.js';
import { peerLook } from '../peer-look.js';
import type { ArHook } from '../test-hook.js';
import { reportError } from '../toast.js';
import type { ArAlignment } from './ar-alignment.js';
import { createArRenderer, type Box } from './ar-renderer.js';
import { mountArTarget } from './ar-target.js';
import { createXrAnchors } from './xr-anchors.js';
import type { ArFrame, ArSession, WebXR } from './xr-types.js';

export interface ArDeps {
  anchors: Anchors;
  alignment: ArAlignment;
  presence: SpacePresence;
  deviceId: string | null;
  hook: ArHook;
  onEnd(): void;
}

const RETICLE: Box['size'] = [0.12, 0.004, 0.12];
const ANCHOR: Box['size'] = [0.06, 0.06, 0.06];
const NOSE: Box['size'] = [0.015, 0.015, 0.04];
const RETICLE_NOSE: Box['size'] = [0.015, 0.004, 0.06];
const WHITE: Box['color'] = [1, 1, 1, 0.9];
const PEER_HEAD: Box['size'] = [0.18, 0.22, 0.2];

function rgba(hex: string): Box['color'] {
  const n = parseInt(hex.slice(1), 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255, 1];
}

async function openSession(api: WebXR, overlay: HTMLElement) {
  const session: ArSession = await api.xr.requestSession('immersive-ar', {
    requiredFeatures: ['local', 'hit-test'],
    optionalFeatures: ['anchors', 'dom-overlay'],
    domOverlay: { root: overlay },
  });
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2', { xrCompatible: true, alpha: true } as WebGLContextAttributes);
  if (!gl) throw new Error('no WebGL2 for the AR view');
  const layer = new api.XRWebGLLayer(session, gl);
  await session.updateRenderState({ baseLayer: layer });
  const ref = await session.requestReferenceSpace('local');
  const viewer = await session.requestReferenceSpace('viewer');
  const hitSource = session.requestHitTestSource ? await session.requestHitTestSource({ space: viewer }) : null;
  return { session, gl, layer, ref, hitSource };
}

export async function startArSession(api: WebXR, deps: ArDeps): Promise<{ end(): Promise<void> }> {
  const { hook, anchors, alignment } = deps;
  await alignment.restart();
  const overlay = document.createElement('div');
  overlay.className = 'ar-overlay';
  overlay.innerHTML =
    '<div class="ar-info"><p>AR: aim at the floor, press the trigger (or tap) to place an anchor. To align, stand at a shared anchor facing its nose, ' +
    'choose it below, put the ring on it and press.</p><p data-testid="ar-alignment"></p></div>';
  document.body.append(overlay);
  const { session, gl, layer, ref, hitSource } = await openSession(api, overlay).catch((err: unknown) => {
    overlay.remove();
    throw err;
  });
  const info = overlay.querySelector<HTMLElement>('.ar-info')!;
  const target = alignment.given ? null : mountArTarget(info, anchors);
  const alignmentLine = overlay.querySelector<HTMLElement>('[data-testid=ar-alignment]')!;
  const showAlignment = (): void => {
    alignmentLine.textContent = alignmentText(alignment);
  };
  const unwatchAlignment = alignment.onChange(showAlignment);
  showAlignment();
  const renderer = createArRenderer(gl);
  const xrAnchors = createXrAnchors({ ref, alignment, XRRigidTransform: api.XRRigidTransform, anchors, deviceId: deps.deviceId });
  const placedHere = new Set<string>();
  hook.active = true;

  /** The reticle, with a nose along its heading, coloured like the anchor the next pull sights. */
  const reticleBoxes = (at: Pose, sighting: SpaceAnchor | null): Box[] => {
    const color = sighting ? rgba(anchorColor(sighting)) : WHITE;
    return [
      { pose: at, size: RETICLE, color },
      { pose: { p: transformPoint(at, [0, 0, -0.15]), q: at.q }, size: RETICLE_NOSE, color },
    ];
  };

  const onFrame = (_t: number, frame: ArFrame): void => {
    session.requestAnimationFrame(onFrame);
    const hitPose = hitSource ? frame.getHitTestResults(hitSource)[0]?.getPose(ref) : undefined;
    hook.reticle = hitPose ? poseFromXRPose(hitPose) : null;
    const all = anchors.all();
    xrAnchors.sync(all, frame, placedHere);
    const boxes: Box[] = [];
    const seen: Record<string, Pose> = {};
    const tracked: string[] = [];
    for (const a of all) {
      const fromXr = xrAnchors.poseOf(a.id, frame);
      if (fromXr) tracked.push(a.id);
      const pose = fromXr ?? toReferencePose(alignment.current(), a.pose);
      seen[a.id] = pose;
      // A nose 6 cm along the anchor's forward axis (-Z) shows its heading.
      const nose = { p: transformPoint(pose, [0, 0, -0.06]), q: pose.q };
      boxes.push({ pose, size: ANCHOR, color: rgba(anchorColor(a)) }, { pose: nose, size: NOSE, color: [0.1, 0.1, 0.1, 1] });
    }
    const peers: Record<string, Pose> = {};
    for (const p of deps.presence.peers()) {
      if (!p.head) continue;
      const pose = toReferencePose(alignment.current(), p.head);
      peers[p.peer] = pose;
      const nose = { p: transformPoint(pose, [0, 0, -0.14]), q: pose.q };
      boxes.push({ pose, size: PEER_HEAD, color: rgba(peerLook(p).colour) }, { pose: nose, size: NOSE, color: [0.1, 0.1, 0.1, 1] });
    }
    hook.peers = peers;
    if (hook.reticle) boxes.push(...reticleBoxes(hook.reticle, target?.target() ?? null));
    hook.seen = seen;
    hook.tracked = tracked;
    hook.frames++;
    const viewerPose = frame.getViewerPose(ref);
    if (viewerPose) {
      deps.presence.set({ head: toSpacePose(alignment.current(), poseFromXRPose(viewerPose)) });
      renderer.draw(layer, viewerPose.views, boxes);
    }
  };
  session.requestAnimationFrame(onFrame);

  session.addEventListener('select', () => {
    const at = hook.reticle;
    if (!at) return;
    const sighted = target?.target();
    if (target && sighted) {
      target.clear();
      alignment.sight(sighted, at).catch(reportError(`could not use the sighting of ${anchorLabel(sighted)}`));
      return;
    }
    const label = `AR pin ${anchors.all().length + 1}`;
    anchors.create({ pose: toSpacePose(alignment.current(), at), props: { label, placedWith: 'webxr' } }).then((a) => {
      placedHere.add(a.id);
      hook.placed.push(a.id);
    }, reportError('could not place the anchor'));
  });

  session.addEventListener('squeeze', () => target?.next());

  session.addEventListener('end', () => {
    hook.active = false;
    hook.reticle = null;
    unwatchAlignment();
    target?.dispose();
    overlay.remove();
    deps.onEnd();
  });

  return { end: () => session.end() };
}
