/**
 * `cairn-server --help`: the commands, then every environment setting from settings.ts (the table
 * config.ts reads its defaults from), so a setting cannot exist without being listed here.
 */
import { SETTINGS } from '../settings.js';

export function helpText(): string {
  const width = Math.max(...SETTINGS.map((s) => s.env.length));
  const settings = SETTINGS.map((s) => `  ${s.env.padEnd(width)}  ${s.meaning}\n  ${' '.repeat(width)}  default: ${s.default}`);
  return [
    'Usage: cairn-server [start]              start a node (same environment as `npm start`)',
    '       cairn-server token --space <name> [--space <name>...] [--rw|--ro] [--sub <user>] [--tenant <id>] [--ttl <seconds>] [--admin]',
    '                                         print a development token signed with CAIRN_AUTH_SECRET',
    '                                         (read-only unless --rw; sub "dev", tenant "default", ttl 3600 by default;',
    '                                         --admin: may read its tenant\'s audit trail, GET /v1/admin/audit)',
    '       cairn-server quarantine list [tenant] [doc] | drop <tenant> <doc> <version>',
    '                                         list or drop stored updates that did not apply (C4), on the same Store',
    '       cairn-server audit [--tenant <id>] [--subject <sub>] [--action <action>] [--since <iso>] [--until <iso>] [--limit <n>]',
    '                                         the audit trail (L4), newest first, on the same Store',
    '       cairn-server purge-deleted           purge now the deleted docs and spaces past their grace period (L2),',
    '                                         on the same Store (nodes also do it hourly)',
    '       cairn-server compact [--tenant <id>] [--doc <space/name>] [--days <n>]',
    '                                         trim log rows older than the history window now (CAIRN_HISTORY_DAYS), on the same Store',
    '       cairn-server export --tenant <id> [--space <name>] [--out <file>]',
    '                                         every log row of a tenant or space as NDJSON (docs/OPERATIONS.md "Export and import")',
    '       cairn-server import <file | -> [--replace] [--keep-epoch]',
    '                                         write an export back, idempotent; IMPORT_CONFLICT on a differing doc unless --replace;',
    '                                         then a new epoch, so replicas push again what the database lacks (L3)',
    '       cairn-server new-epoch               mark a restore (pg_dump or point-in-time recovery) before the nodes start (L3)',
    '       cairn-server --help | --version',
    '',
    'Settings (environment variables; docs/OPERATIONS.md "Configuration" explains each):',
    ...settings,
    '',
  ].join('\n');
}
