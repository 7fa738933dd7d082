// What a headset reports 30 times a second in the presence workload: a head pose and both hands, each a
// position (meters, space frame) and a unit quaternion [x, y, z, w], as WebXR gives them: float32 values
// (XRRigidTransform's Float32Array matrix and DOMPointReadOnly), so Math.fround before anything encodes
// them. The motion is smooth and deterministic per client: the user walks a slow circle of 1-3 m radius
// around the space origin at standing height, turns their head (yaw ±60°, pitch ±15°), and holds the hands
// in front of the body, swaying. Every coordinate stays within ±4 m of the origin, which is where a
// co-located space's users are (2 bytes per coordinate in Cairn's record, quantize.ts).

const f = Math.fround;

/** Unit quaternion [x, y, z, w] for yaw (about +y) then pitch (about +x), radians. */
function yawPitch(yaw, pitch) {
  const cy = Math.cos(yaw / 2);
  const sy = Math.sin(yaw / 2);
  const cp = Math.cos(pitch / 2);
  const sp = Math.sin(pitch / 2);
  // q = q_yaw ⊗ q_pitch
  return [f(cy * sp), f(sy * cp), f(-sy * sp), f(cy * cp)];
}

/**
 * The pose source of client `index`: `at(tSeconds)` → { head, left, right }, each { p: [x, y, z], q: [x, y, z, w] }.
 * A fresh object per call, as a WebXR frame loop makes one per frame.
 */
export function createHeadset(index) {
  const radius = 1 + (index % 7) * 0.3;
  const speed = 0.15 + (index % 5) * 0.05; // rad/s along the circle
  const phase = (index * 2.399963) % (2 * Math.PI); // golden angle: users spread around the origin
  return {
    at(t) {
      const a = phase + speed * t;
      const x = radius * Math.cos(a);
      const z = radius * Math.sin(a);
      const y = 1.62 + 0.015 * Math.sin(t * 9.4 + index); // gait bob
      const walkYaw = -a; // facing along the circle
      const yaw = walkYaw + 1.05 * Math.sin(t * 0.7 + index);
      const pitch = 0.26 * Math.sin(t * 0.45 + index * 0.3);
      const head = { p: [f(x), f(y), f(z)], q: yawPitch(yaw, pitch) };
      const hand = (side) => {
        const sway = 0.05 * Math.sin(t * 2.1 + side + index);
        const fx = Math.sin(walkYaw);
        const fz = -Math.cos(walkYaw);
        // 0.35 m forward, 0.2 m to the side, 0.45 m below the head
        const hx = x + 0.35 * fx + side * 0.2 * -fz + sway;
        const hz = z + 0.35 * fz + side * 0.2 * fx;
        return { p: [f(hx), f(y - 0.45 + sway), f(hz)], q: yawPitch(walkYaw + side * 0.3, -0.6 + sway) };
      };
      return { head, left: hand(-1), right: hand(1) };
    },
  };
}
