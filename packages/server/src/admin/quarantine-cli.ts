/**
 * C4, the operator's side of the quarantine: list the log rows that did not apply, and drop one (its row
 * becomes an empty update, its version stays, the original bytes stay in the quarantine record).
 *
 *   npm run quarantine -- list [tenant] [doc]          (or: cairn-server quarantine list ...)
 *   npm run quarantine -- drop <tenant> <doc> <version>
 *
 * It opens the same Store as the server (quarantine-run.ts). A room that holds the doc keeps its state; the
 * next load of the doc applies the empty row.
 */
import { runQuarantine } from './quarantine-run.js';

process.exitCode = await runQuarantine(process.argv.slice(2), process.env, (text) => console.log(text));
