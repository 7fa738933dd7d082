/**
 * C4's operator command on the Store the environment names (admin/env-store.ts). Shared by
 * `npm run quarantine` (quarantine-cli.ts) and `cairn-server quarantine` (cli/bin.ts).
 */
import { withEnvStore } from './env-store.js';
import { runQuarantineCli } from './quarantine-command.js';

export async function runQuarantine(args: readonly string[], env: NodeJS.ProcessEnv, out: (text: string) => void): Promise<number> {
  return withEnvStore(env, (store) => runQuarantineCli(args, store, out));
}
