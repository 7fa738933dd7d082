/**
 * The slice of WebXR (Device API + Anchors Module) that xr/ uses, typed locally so that neither the
 * package nor its users need @types/webxr. Real WebXR objects satisfy these interfaces structurally;
 * tests pass small fakes.
 */

/** DOMPointReadOnly / DOMPointInit. */
export interface XRPointLike {
  x: number;
  y: number;
  z: number;
  w: number;
}

export interface XRRigidTransformLike {
  readonly position: XRPointLike;
  readonly orientation: XRPointLike;
}

/** What `new XRRigidTransform(position, orientation)` takes. */
export interface XRRigidTransformInit {
  position: XRPointLike;
  orientation: XRPointLike;
}

export type XRRigidTransformConstructor = new (position?: Partial<XRPointLike>, orientation?: Partial<XRPointLike>) => XRRigidTransformLike;

export interface XRPoseLike {
  readonly transform: XRRigidTransformLike;
}

/** An XRSpace or XRReferenceSpace: opaque to us, only handed back to the frame. */
export type XRSpaceLike = object;

export interface XRAnchorLike {
  readonly anchorSpace: XRSpaceLike;
  delete(): void;
  /** WebXR Anchors persistence (e.g. Meta Quest): a handle that restores the anchor in later sessions. */
  requestPersistentHandle?(): Promise<string>;
}

export interface XRFrameLike {
  /** Present when the session was granted the 'anchors' feature. */
  createAnchor?(pose: XRRigidTransformLike, space: XRSpaceLike): Promise<XRAnchorLike> | undefined;
  getPose(space: XRSpaceLike, baseSpace: XRSpaceLike): XRPoseLike | null | undefined;
}

export interface XRSessionLike {
  restorePersistentAnchor?(handle: string): Promise<XRAnchorLike>;
  deletePersistentAnchor?(handle: string): Promise<void>;
}
