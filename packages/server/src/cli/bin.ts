#!/usr/bin/env node
/**
 * `cairn-server` (`npx @cairn/server`): start a node with the same environment as `npm start` and print
 * one startup summary, mint a development token, list or drop quarantined updates (C4), read the audit trail (L4),
 * purge deleted docs and spaces past their grace period (L2), trim the log below the history window (compact),
 * export and import a tenant or space or mark a restore with a new epoch (L3), or print the help
 * and version. It is the package's only bin, so `npx @cairn/server` knows which one to run. Exit codes: 0 done,
 * 1 failed (e.g. no secret to sign with), 2 usage error (unknown command or flag).
 */
import { readFileSync } from 'node:fs';
import { setupFromEnvironment, startNode } from '../start-node.js';
import { runQuarantine } from '../admin/quarantine-run.js';
import { withEnvStore } from '../admin/env-store.js';
import { runAuditCli } from '../admin/audit-command.js';
import { runPurgeCli } from '../admin/purge-command.js';
import { runCompactCli } from '../admin/compact-command.js';
import { readConfig } from '../config.js';
import { runExportCli } from '../admin/export-command.js';
import { runImportCli, runNewEpochCli } from '../admin/import-command.js';
import { parseCli } from './args.js';
import { helpText } from './help.js';
import { startupSummary } from './summary.js';
import { runTokenCommand } from './token-command.js';

const io = { out: (t: string) => console.log(t), err: (t: string) => console.error(t) };
const cmd = parseCli(process.argv.slice(2));

switch (cmd.kind) {
  case 'usage':
    io.err(`cairn-server: ${cmd.message}\nRun \`cairn-server --help\` for the commands and settings.`);
    process.exitCode = 2;
    break;
  case 'help':
    process.stdout.write(helpText());
    break;
  case 'version': {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    io.out(pkg.version);
    break;
  }
  case 'quarantine':
    process.exitCode = await runQuarantine(cmd.args, process.env, io.out);
    break;
  case 'audit':
    process.exitCode = await withEnvStore(process.env, (store) => runAuditCli(cmd.args, store, io.out));
    break;
  case 'purge-deleted':
    process.exitCode = await withEnvStore(process.env, (store) => runPurgeCli(cmd.args, store, io.out));
    break;
  case 'compact':
    process.exitCode = await withEnvStore(process.env, (store) => runCompactCli(cmd.args, store, readConfig(process.env).historyDays, io.out));
    break;
  case 'export':
    process.exitCode = await withEnvStore(process.env, (store) => runExportCli(cmd.args, store, io));
    break;
  case 'import':
    process.exitCode = await withEnvStore(process.env, (store) => runImportCli(cmd.args, store, io));
    break;
  case 'new-epoch':
    process.exitCode = await withEnvStore(process.env, (store) => runNewEpochCli(cmd.args, store, io));
    break;
  case 'token':
    process.exitCode = await runTokenCommand(cmd, process.env, io);
    break;
  case 'start': {
    const setup = await setupFromEnvironment(process.env);
    const node = await startNode(setup);
    io.out(startupSummary(setup.config, node.address, node.server.node.nodeId));
    break;
  }
}
