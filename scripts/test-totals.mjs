// Sums the JSON reports the test runners wrote (Vitest, and Playwright when present) into the one line
// CI reads: `N passed, N failed` (`, N skipped` when any were skipped). A suite that failed to load
// counts as failed, so a broken file can never pass unseen.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'test-results';
let passed = 0;
let failed = 0;
let skipped = 0;

const vitest = join(dir, 'vitest.json');
if (existsSync(vitest)) {
  const r = JSON.parse(readFileSync(vitest, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  // Files that failed before any test ran (import errors) have no test results of their own.
  failed += (r.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
}

const playwright = join(dir, 'playwright.json');
if (existsSync(playwright)) {
  const r = JSON.parse(readFileSync(playwright, 'utf8'));
  passed += r.stats.expected + r.stats.flaky;
  failed += r.stats.unexpected;
  skipped += r.stats.skipped;
  failed += (r.errors ?? []).length;
}

if (!existsSync(vitest) && !existsSync(playwright)) failed += 1; // nothing ran: the build or setup failed
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
