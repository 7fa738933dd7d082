/**
 * S6: a step at the end of an event-loop turn that throws (a bug) is reported, not rethrown out of
 * setImmediate, which would end the process and every socket on it; the turn's other steps, the writes
 * included, still run, and later turns are scheduled as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { atTurnEnd, reportTurnEndErrors } from '../../packages/server/src/turn-end.js';

const turnEnd = () => new Promise<void>((r) => setImmediate(() => setImmediate(r)));
let stop: (() => void) | null = null;

afterEach(() => stop?.());

describe('turn end', () => {
  it('S6: a throwing step is reported; the other compose and write steps of the turn run, and the next turn too', async () => {
    const reported: unknown[] = [];
    stop = reportTurnEndErrors((err) => reported.push(err));
    const ran: string[] = [];
    atTurnEnd(() => {
      throw new Error('bug in a compose step');
    });
    atTurnEnd(() => ran.push('compose'));
    atTurnEnd(() => ran.push('write'), 'write');
    await turnEnd();
    expect(ran).toEqual(['compose', 'write']);
    expect(reported).toHaveLength(1);
    expect((reported[0] as Error).message).toBe('bug in a compose step');

    atTurnEnd(() => ran.push('next turn'));
    await turnEnd();
    expect(ran).toEqual(['compose', 'write', 'next turn']);
  });
});
