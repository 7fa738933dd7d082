/**
 * The one HISTORY_TRIMMED error, thrown by every Store and history read that is asked for something
 * below a doc's history floor (compact/). Its message names what is still readable, so a caller can
 * ask again with a version or time that works.
 */
import { CairnError } from '@cairn/shared';

export function historyTrimmed(floor: { version: number; at: Date }): CairnError {
  return new CairnError(
    'HISTORY_TRIMMED',
    `history before version ${floor.version} is trimmed; the oldest readable version is ${floor.version}, committed by ${floor.at.toISOString()}`,
  );
}
