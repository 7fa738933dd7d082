/**
 * Quantization of poses for presence (P4). Presence is sent 30-90 times a second by every user, so a pose
 * must be small; it is never stored, so precision only has to beat what a viewer can see.
 *
 * - Position: each coordinate in steps of 0.5 mm as a zigzag varint (lib0 `writeVarInt`): error ≤ 0.25 mm,
 *   2 bytes per coordinate within ±4 m of the space origin, 3 within ±524 m, 4 within ±67 km, 5 up to ±1,000 km.
 * - Rotation: "smallest three": the largest |component| of the unit quaternion is dropped (its index in 2
 *   bits; its sign made positive, since q and -q are one rotation), the other three, each within ±1/√2, in
 *   15 bits each: 47 bits in 6 bytes. Step √2/32767 per component; the worst angle error is ≈0.006°.
 * - Direction (a gaze or pointer ray): octahedral mapping of the unit vector to two int16: error ≤ 0.01°.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { CairnError } from '../errors.js';
import type { Quat } from '../spatial/quat.js';
import type { Vec3 } from '../spatial/vec3.js';

/** Quantization step of a position coordinate, meters. */
export const POSITION_STEP_M = 0.0005;
/** Largest |coordinate| a presence pose may have, meters (beyond it: BAD_REQUEST when encoding). */
export const MAX_PRESENCE_COORD_M = 1_000_000;

const ROT_BITS = 15;
const ROT_MAX = (1 << ROT_BITS) - 1; // 32767
const INV_SQRT2 = Math.SQRT1_2;
const TWO_POW_15 = 2 ** 15;
const TWO_POW_30 = 2 ** 30;
const TWO_POW_45 = 2 ** 45;
const ROT_BYTES = 6;
const OCT_MAX = 32767;

export function writePosition(enc: encoding.Encoder, p: Readonly<Vec3>): void {
  for (const c of p) {
    if (!Number.isFinite(c) || Math.abs(c) > MAX_PRESENCE_COORD_M) {
      throw new CairnError('BAD_REQUEST', `presence coordinate ${c} is not finite within ±${MAX_PRESENCE_COORD_M} m`);
    }
    encoding.writeVarInt(enc, Math.round(c / POSITION_STEP_M));
  }
}

export function readPosition(dec: decoding.Decoder): Vec3 {
  const limit = MAX_PRESENCE_COORD_M / POSITION_STEP_M;
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    const v = decoding.readVarInt(dec);
    if (!Number.isSafeInteger(v) || Math.abs(v) > limit) throw new CairnError('INVALID_PRESENCE', 'presence coordinate out of range');
    out.push(v * POSITION_STEP_M);
  }
  return out as Vec3;
}

export function writeRotation(enc: encoding.Encoder, q: Readonly<Quat>): void {
  const len = Math.hypot(q[0], q[1], q[2], q[3]);
  if (!Number.isFinite(len) || len < 1e-9) throw new CairnError('BAD_REQUEST', `not a rotation quaternion: [${q.join(', ')}]`);
  let largest = 0;
  for (let i = 1; i < 4; i++) if (Math.abs(q[i]!) > Math.abs(q[largest]!)) largest = i;
  const sign = q[largest]! < 0 ? -1 : 1;
  let packed = largest * TWO_POW_45;
  let shift = TWO_POW_30;
  for (let i = 0; i < 4; i++) {
    if (i === largest) continue;
    const c = Math.max(-INV_SQRT2, Math.min(INV_SQRT2, (sign * q[i]!) / len));
    packed += Math.round(((c + INV_SQRT2) / (2 * INV_SQRT2)) * ROT_MAX) * shift;
    shift /= TWO_POW_15;
  }
  // 47 bits, big-endian in 6 bytes (the top bit is always 0).
  for (let b = ROT_BYTES - 1; b >= 0; b--) encoding.writeUint8(enc, Math.floor(packed / 2 ** (8 * b)) % 256);
}

export function readRotation(dec: decoding.Decoder): Quat {
  let packed = 0;
  for (let b = 0; b < ROT_BYTES; b++) packed = packed * 256 + decoding.readUint8(dec);
  if (packed >= 4 * TWO_POW_45) throw new CairnError('INVALID_PRESENCE', 'rotation spare bit set');
  const largest = Math.floor(packed / TWO_POW_45);
  const rest = packed - largest * TWO_POW_45;
  const small = [Math.floor(rest / TWO_POW_30), Math.floor(rest / TWO_POW_15) % TWO_POW_15, rest % TWO_POW_15];
  const q: number[] = [];
  let sum = 0;
  let k = 0;
  for (let i = 0; i < 4; i++) {
    if (i === largest) {
      q.push(0);
      continue;
    }
    const c = (small[k++]! / ROT_MAX) * (2 * INV_SQRT2) - INV_SQRT2;
    sum += c * c;
    q.push(c);
  }
  q[largest] = Math.sqrt(Math.max(0, 1 - sum));
  const len = Math.hypot(q[0]!, q[1]!, q[2]!, q[3]!);
  return [q[0]! / len, q[1]! / len, q[2]! / len, q[3]! / len];
}

/** A unit direction, octahedral-mapped to two int16 (4 bytes). */
export function writeDirection(enc: encoding.Encoder, d: Readonly<Vec3>): void {
  const l1 = Math.abs(d[0]) + Math.abs(d[1]) + Math.abs(d[2]);
  if (!Number.isFinite(l1) || l1 < 1e-9) throw new CairnError('BAD_REQUEST', `not a direction: [${d.join(', ')}]`);
  let x = d[0] / l1;
  let y = d[1] / l1;
  if (d[2] < 0) {
    const ox = x;
    x = (1 - Math.abs(y)) * (ox >= 0 ? 1 : -1);
    y = (1 - Math.abs(ox)) * (y >= 0 ? 1 : -1);
  }
  const view = new DataView(new ArrayBuffer(4));
  view.setInt16(0, Math.round(x * OCT_MAX));
  view.setInt16(2, Math.round(y * OCT_MAX));
  encoding.writeUint8Array(enc, new Uint8Array(view.buffer));
}

export function readDirection(dec: decoding.Decoder): Vec3 {
  const bytes = decoding.readUint8Array(dec, 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
  const x = Math.max(-1, view.getInt16(0) / OCT_MAX);
  const y = Math.max(-1, view.getInt16(2) / OCT_MAX);
  const z = 1 - Math.abs(x) - Math.abs(y);
  let vx = x;
  let vy = y;
  if (z < 0) {
    vx = (1 - Math.abs(y)) * (x >= 0 ? 1 : -1);
    vy = (1 - Math.abs(x)) * (y >= 0 ? 1 : -1);
  }
  const len = Math.hypot(vx, vy, z);
  return [vx / len, vy / len, z / len];
}
