/**
 * `cairn-server` arguments (node:util parseArgs, strict): which command, with its options checked. A
 * mistake is a `usage` result with a message (bin.ts prints it and exits 2), never a thrown error, so the
 * parsing is testable without spawning a process.
 */
import { parseArgs } from 'node:util';
import type { SpaceAccess } from '../auth/principal.js';

export type CliCommand =
  | { kind: 'start' }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'quarantine'; args: string[] }
  | { kind: 'audit'; args: string[] }
  | { kind: 'purge-deleted'; args: string[] }
  | { kind: 'compact'; args: string[] }
  | { kind: 'export' | 'import' | 'new-epoch'; args: string[] }
  | { kind: 'token'; spaces: string[]; access: SpaceAccess; subject: string; tenant: string; ttlSec: number; admin: boolean }
  | { kind: 'usage'; message: string };

const DEFAULT_SUBJECT = 'dev';
const DEFAULT_TENANT = 'default';
const DEFAULT_TTL_SEC = 3600;

export function parseCli(argv: readonly string[]): CliCommand {
  const [first, ...rest] = argv;
  // Help and version win wherever they are, as with most CLIs.
  if (argv.includes('--help') || argv.includes('-h') || first === 'help') return { kind: 'help' };
  if (argv.includes('--version') || argv.includes('-v')) return { kind: 'version' };
  if (first === undefined || first === 'start') return noArgs('start', first === undefined ? [] : rest);
  if (first === 'token') return parseToken(rest);
  // quarantine-command.ts checks its own arguments (and prints its usage).
  if (first === 'quarantine') return { kind: 'quarantine', args: rest };
  // admin/audit-command.ts too.
  if (first === 'audit') return { kind: 'audit', args: rest };
  // admin/purge-command.ts too.
  if (first === 'purge-deleted') return { kind: 'purge-deleted', args: rest };
  // admin/compact-command.ts too.
  if (first === 'compact') return { kind: 'compact', args: rest };
  // L3: admin/export-command.ts and admin/import-command.ts too.
  if (first === 'export' || first === 'import' || first === 'new-epoch') return { kind: first, args: rest };
  if (first.startsWith('-')) return { kind: 'usage', message: `unknown option ${first}` };
  return { kind: 'usage', message: `unknown command "${first}" (commands: start, token, quarantine, audit, purge-deleted, compact, export, import, new-epoch, help)` };
}

function noArgs(kind: 'start', rest: readonly string[]): CliCommand {
  if (rest.length === 0) return { kind };
  const what = rest[0]!.startsWith('-') ? 'option' : 'argument';
  return { kind: 'usage', message: `unknown ${what} ${rest[0]!} for "${kind}": settings come from the environment (see --help)` };
}

function parseToken(args: readonly string[]): CliCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        space: { type: 'string', multiple: true },
        rw: { type: 'boolean' },
        ro: { type: 'boolean' },
        sub: { type: 'string' },
        tenant: { type: 'string' },
        ttl: { type: 'string' },
        admin: { type: 'boolean' },
      },
    }));
  } catch (err) {
    return { kind: 'usage', message: `token: ${(err as Error).message}` };
  }
  const spaces = values.space ?? [];
  if (spaces.length === 0) return { kind: 'usage', message: 'token: --space <name> is required (repeat it for several spaces, or --space "*")' };
  if (values.rw && values.ro) return { kind: 'usage', message: 'token: --rw and --ro exclude each other' };
  const ttlSec = values.ttl === undefined ? DEFAULT_TTL_SEC : Number(values.ttl);
  if (!Number.isSafeInteger(ttlSec) || ttlSec < 1) return { kind: 'usage', message: `token: --ttl ${values.ttl} is not a positive number of seconds` };
  return {
    kind: 'token',
    spaces,
    // Read-only unless asked: a token pasted somewhere by mistake should grant the least.
    access: values.rw ? 'rw' : 'r',
    subject: values.sub ?? DEFAULT_SUBJECT,
    tenant: values.tenant ?? DEFAULT_TENANT,
    ttlSec,
    admin: values.admin ?? false,
  };
}
