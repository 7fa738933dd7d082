/**
 * The slice of WebXR the AR view uses beyond what @cairn/client's xr/ types cover (sessions, views, hit
 * tests, the WebGL layer). TypeScript's DOM library has no WebXR types and the repo carries no
 * @types/webxr, so the page states what it relies on, structurally.
 */
import type { XRAnchorLike, XRFrameLike, XRPoseLike, XRRigidTransformConstructor, XRRigidTransformLike, XRSpaceLike } from '@cairn/client';

export interface XRViewLike {
  readonly eye: string;
  readonly projectionMatrix: Float32Array;
  readonly transform: XRRigidTransformLike & { readonly inverse: { readonly matrix: Float32Array } };
}

export interface XRViewerPoseLike extends XRPoseLike {
  readonly views: readonly XRViewLike[];
}

export interface XRHitTestResultLike {
  getPose(base: XRSpaceLike): XRPoseLike | null | undefined;
  createAnchor?(): Promise<XRAnchorLike>;
}

export type XRHitTestSourceLike = object;

export interface ArFrame extends XRFrameLike {
  getViewerPose(ref: XRSpaceLike): XRViewerPoseLike | null | undefined;
  getHitTestResults(source: XRHitTestSourceLike): XRHitTestResultLike[];
}

export interface XRViewportLike {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface XRWebGLLayerLike {
  readonly framebuffer: WebGLFramebuffer | null;
  getViewport(view: XRViewLike): XRViewportLike | null | undefined;
}

export type XRWebGLLayerConstructor = new (session: ArSession, gl: WebGL2RenderingContext) => XRWebGLLayerLike;

export interface ArSession extends EventTarget {
  requestReferenceSpace(type: 'local' | 'viewer'): Promise<XRSpaceLike>;
  requestHitTestSource?(options: { space: XRSpaceLike }): Promise<XRHitTestSourceLike>;
  updateRenderState(state: { baseLayer?: XRWebGLLayerLike }): void | Promise<void>;
  requestAnimationFrame(cb: (time: number, frame: ArFrame) => void): number;
  end(): Promise<void>;
}

export interface XRSystemLike {
  isSessionSupported(mode: string): Promise<boolean>;
  requestSession(mode: string, init: { requiredFeatures?: string[]; optionalFeatures?: string[]; domOverlay?: { root: Element } }): Promise<ArSession>;
}

export interface WebXR {
  xr: XRSystemLike;
  XRRigidTransform: XRRigidTransformConstructor;
  XRWebGLLayer: XRWebGLLayerConstructor;
}

/** navigator.xr and the constructors WebXR puts on the window, when present (natively or emulated). */
export function webxr(): WebXR | null {
  const g = globalThis as unknown as { navigator: { xr?: XRSystemLike }; XRRigidTransform?: XRRigidTransformConstructor; XRWebGLLayer?: XRWebGLLayerConstructor };
  const xr = g.navigator.xr;
  if (!xr || !g.XRRigidTransform || !g.XRWebGLLayer) return null;
  return { xr, XRRigidTransform: g.XRRigidTransform, XRWebGLLayer: g.XRWebGLLayer };
}
