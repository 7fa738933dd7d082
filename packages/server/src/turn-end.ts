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
/** Who hears of a step that threw (each node's log, registered by its sync node); none: stderr. */
const reporters = new Set<(err: unknown) => void>();

function report(err: unknown): void {
  if (reporters.size === 0) console.error('cairn: a turn-end step threw', err);
  for (const r of reporters) r(err);
}

function run(): void {
  scheduled = false;
  for (const phase of ['compose', 'write'] as const) {
    const q = queues[phase];
    // Steps added while the phase runs (a compose that corks a socket) run in this pass too.
    for (let i = 0; i < q.length; i++) {
      try {
        q[i]!();
      } catch (err) {
        // Each step guards its own work (S6); one that still throws stops no other's writes, and it is
        // reported, not rethrown: a throw out of setImmediate would end the process and every socket on it.
        report(err);
      }
    }
    q.length = 0;
  }
}

/** Reports steps that throw to `reporter` until the returned function is called. */
export function reportTurnEndErrors(reporter: (err: unknown) => void): () => void {
  reporters.add(reporter);
  return () => reporters.delete(reporter);
}

/** Runs `step` at the end of this turn, in `phase`. A step is run once per call: callers keep their own flag. */
export function atTurnEnd(step: () => void, phase: TurnPhase = 'compose'): void {
  queues[phase].push(step);
  if (!scheduled) {
    scheduled = true;
    setImmediate(run);
  }
}
