/**
 * A3/S7: the client keeps its pushes under the push rate the server's welcome stated (a socket above it is
 * closed with RATE_LIMITED and resends everything). The pacer's bucket holds one second's worth; past it,
 * a push waits for the time one more token takes. Virtual clock and timers: no real time involved.
 */
import { describe, expect, it } from 'vitest';
import { createPushPacer } from '../../packages/client/src/socket/push-pacer.js';
import { createManualTimers } from './support/client-harness.js';

async function drain(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('push pacing', () => {
  it('A3: at 10 pushes per second, 10 go at once and each further one waits 100 ms of clock', async () => {
    const timers = createManualTimers();
    const pacer = createPushPacer(10, timers, () => timers.now);
    let sent = 0;
    const all = Promise.all(Array.from({ length: 15 }, async () => {
      await pacer.take();
      sent++;
    }));
    await drain();
    expect(sent).toBe(10);
    timers.advance(100);
    await drain();
    expect(sent).toBe(11);
    timers.advance(400);
    for (let i = 0; i < 5; i++) {
      timers.advance(0);
      await drain();
    }
    expect(sent).toBe(15);
    await all;
  });

  it('A3: a rate of 0 (not stated, version 1 server) never waits', async () => {
    const timers = createManualTimers();
    const pacer = createPushPacer(0, timers, () => timers.now);
    for (let i = 0; i < 10_000; i++) await pacer.take();
    expect(timers.pending()).toEqual([]);
  });
});
