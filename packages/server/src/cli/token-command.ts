/**
 * `cairn-server token`: a development token signed with CAIRN_AUTH_SECRET (issueToken, so it is refused
 * exactly when the verifier would refuse it). Without a secret there is nothing to sign with, and nothing
 * needs one: the command says so and fails, so a script does not carry on with an empty token.
 */
import { CairnError } from '@cairn/shared';
import { readConfig } from '../config.js';
import { issueToken } from '../auth/tokens.js';
import type { CliCommand } from './args.js';

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

export async function runTokenCommand(cmd: Extract<CliCommand, { kind: 'token' }>, env: NodeJS.ProcessEnv, io: CliOutput): Promise<number> {
  let secret: string | null;
  try {
    secret = readConfig(env).authSecret;
  } catch (err) {
    io.err(`cairn-server token: ${(err as Error).message}`);
    return 1;
  }
  if (secret === null) {
    io.err(
      'cairn-server token: CAIRN_AUTH_SECRET is unset, so the server runs in dev mode and needs no token ' +
        '(every socket is anonymous with read+write on every space). Set CAIRN_AUTH_SECRET (at least 32 ' +
        'characters, the same as the server) to mint one.',
    );
    return 1;
  }
  try {
    const token = await issueToken({
      secret,
      tenant: cmd.tenant,
      subject: cmd.subject,
      spaces: Object.fromEntries(cmd.spaces.map((s) => [s, cmd.access])),
      expiresInSec: cmd.ttlSec,
      admin: cmd.admin,
    });
    io.out(token);
    return 0;
  } catch (err) {
    if (err instanceof CairnError) {
      io.err(`cairn-server token: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
