/**
 * A3/S7: an assembly in progress holds the bytes of its update, never the frames they came in. ws hands a
 * small frame over as a view into the socket read that carried it (up to 64 KiB), and a push-part's bytes
 * are a view into that frame; kept as they are, 1-byte parts pinned one read each, so a push that stated
 * 256 KiB (and reserved that much of the node's budget) could hold 64 times more, and with the per-object
 * cost of a view per byte, a 32 MiB push could hold gigabytes.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { PushPartFrame } from '@cairn/shared';
import { createAssemblyBudget, createPushAssembly } from '../../packages/server/src/session/push-assembly.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const READ_BYTES = 64 * 1024;

describe('push-assembly memory', () => {
  it('A3: 1-byte parts, each inside its own 64 KiB socket read, leave the assembly holding at most its stated total', async () => {
    const total = 256 * 1024;
    const parts = 256;
    const reads: Array<WeakRef<ArrayBuffer>> = [];
    const assembly = createPushAssembly({
      maxUpdateBytes: 32 * 1024 * 1024,
      budget: createAssemblyBudget(256 * 1024 * 1024),
      refusal: () => null,
      refuse: (code, seq) => {
        throw new Error(`refused ${code} for seq ${seq}`);
      },
    });
    function feed(offset: number): void {
      const read = new ArrayBuffer(READ_BYTES);
      reads.push(new WeakRef(read));
      const bytes = new Uint8Array(read, 100, 1);
      bytes[0] = offset & 0xff;
      const frame: PushPartFrame = { type: 'push-part', doc: 'a/doc', seq: 1, total, offset, bytes };
      expect(assembly.part(frame)).toBeNull();
    }
    for (let offset = 0; offset < parts; offset++) feed(offset);

    await new Promise((r) => setImmediate(r)); // WeakRefs made in this job stay alive until it ends
    gc();
    const pinned = reads.filter((r) => r.deref() !== undefined).length;
    expect(pinned * READ_BYTES, `${pinned} socket reads of ${READ_BYTES} bytes still held`).toBeLessThanOrEqual(total);
    expect(pinned).toBe(0);
    assembly.close();
  });

  it('A3: the assembly copies each part: the whole update equals the bytes sent even when the buffer a part came in is reused afterwards', () => {
    const update = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) & 0xff);
    const assembly = createPushAssembly({
      maxUpdateBytes: 1024 * 1024,
      budget: createAssemblyBudget(1024 * 1024),
      refusal: () => null,
      refuse: (code) => {
        throw new Error(`refused ${code}`);
      },
    });
    const scratch = new Uint8Array(3000);
    let whole: { update: Uint8Array } | null = null;
    for (let offset = 0; offset < update.byteLength; offset += scratch.byteLength) {
      const n = Math.min(scratch.byteLength, update.byteLength - offset);
      scratch.set(update.subarray(offset, offset + n));
      whole = assembly.part({ type: 'push-part', doc: 'a/doc', seq: 1, total: update.byteLength, offset, bytes: scratch.subarray(0, n) });
      scratch.fill(0); // a socket read buffer is reused for the next read
    }
    expect(whole).not.toBeNull();
    expect(Buffer.from(whole!.update).equals(Buffer.from(update))).toBe(true);
  });
});
