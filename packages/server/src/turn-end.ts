/**
 * The end of the current event-loop turn, where work gathered during the turn leaves at once: the presence
 * records relayed to one socket go as one `peer-poses` frame (session/pose-batch.ts), a doc's records as
 * one bus message (fanout/fanout.ts), and every socket written to in the turn is uncorked, so what it got
 * goes to the kernel as one writev (http/websocket.ts).
 *
 * Two phases, in order: 'compose' (build and send frames and bus messages) then 'write' (uncork). A compose
 * step that sends corks its socket, which schedules a write step: it runs in the same pass, not one loop
 * iteration later. One setImmediate serves all of them: a turn's I/O callbacks (the poll phase, every
 * socket's reads) run before it, so a turn is everything that arrived together.
 */
export type TurnPhase = 'compose' | 'write';

const queues: Record<TurnPhase, Array<() => void>> = { compose: [], write: [] };
let scheduled = false;

function run(): void {
  scheduled = false;
  let failure: { err: unknown } | null = null;
  for (const phase of ['compose', 'write'] as const) {
    const q = queues[phase];
    // Steps added while the phase runs (a compose that corks a socket) run in this pass too.
    for (let i = 0; i < q.length; i++) {
      try {
        q[i]!();
      } catch (err) {
        failure ??= { err }; // each step guards its own work (S6); one that still throws stops no other's writes
      }
    }
    q.length = 0;
  }
  if (failure) throw failure.err;
}

/** Runs `step` at the end of this turn, in `phase`. A step is run once per call: callers keep their own flag. */
export function atTurnEnd(step: () => void, phase: TurnPhase = 'compose'): void {
  queues[phase].push(step);
  if (!scheduled) {
    scheduled = true;
    setImmediate(run);
  }
}
