/**
 * Reads an awareness update (y-protocols encoding) and checks it BEFORE anything is applied or relayed.
 * y-protocols' applyAwarenessUpdate JSON.parses every state and throws on one that is not JSON; a state that
 * parses but nests deeper than a few thousand levels throws later, when the room encodes the awareness again
 * (JSON.stringify recurses) for the other subscribers or a joiner, and it would stay in the room doing so.
 * Either throw used to reach the socket's message handler (S6). So each state must be JSON ('null' removes
 * a client), small and shallow, and an update carries a bounded number of entries.
 */
import * as decoding from 'lib0/decoding';
import { jsonDepth } from '@cairn/shared';

export interface PresenceLimits {
  maxPresenceStateBytes: number;
  maxPresenceDepth: number;
  maxPresenceEntries: number;
}

export interface PresenceEntry {
  clientID: number;
  clock: number;
  /** The state's JSON text, as received (encoded again unchanged). */
  state: string;
}

export type PresenceRead = { ok: true; entries: PresenceEntry[] } | { ok: false; problem: string };

function stateProblem(state: string, limits: PresenceLimits): string | null {
  // Depth first: a cheap scan, so a deep text never reaches JSON.parse.
  if (jsonDepth(state) > limits.maxPresenceDepth) return `a state nests deeper than ${limits.maxPresenceDepth}`;
  try {
    JSON.parse(state);
  } catch {
    return 'a state is not JSON';
  }
  return null;
}

/** Decodes and checks a whole awareness update; never throws. */
export function readPresence(payload: Uint8Array, limits: PresenceLimits): PresenceRead {
  const dec = decoding.createDecoder(payload);
  const entries: PresenceEntry[] = [];
  try {
    const n = decoding.readVarUint(dec);
    if (n > limits.maxPresenceEntries) return { ok: false, problem: `more than ${limits.maxPresenceEntries} entries` };
    for (let i = 0; i < n; i++) {
      const clientID = decoding.readVarUint(dec);
      const clock = decoding.readVarUint(dec);
      if (!Number.isSafeInteger(clientID) || !Number.isSafeInteger(clock)) return { ok: false, problem: 'a clientID or clock is out of range' };
      if (decoding.peekVarUint(dec) > limits.maxPresenceStateBytes) return { ok: false, problem: `a state is larger than ${limits.maxPresenceStateBytes} bytes` };
      const state = decoding.readVarString(dec);
      const problem = stateProblem(state, limits);
      if (problem) return { ok: false, problem };
      entries.push({ clientID, clock, state });
    }
  } catch {
    return { ok: false, problem: 'the update is truncated' };
  }
  if (decoding.hasContent(dec)) return { ok: false, problem: 'trailing bytes after the update' };
  return { ok: true, entries };
}
