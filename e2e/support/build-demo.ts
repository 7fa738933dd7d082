/**
 * Makes sure the page under test is the current code: `tsc -b` (incremental, quick when nothing changed)
 * for the packages, then `vite build demo` when demo/dist is older than any of its inputs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILT = join(ROOT, 'demo/dist/index.html');
const INPUTS = ['demo/index.html', 'demo/vite.config.ts', 'demo/src', 'demo/app-shell', 'packages/client/dist', 'packages/shared/dist'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newestMtime(join(path, name))), st.mtimeMs);
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
}

export function buildDemoIfStale(): void {
  run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/shared', 'packages/client', 'packages/server']);
  const built = existsSync(BUILT) ? statSync(BUILT).mtimeMs : 0;
  const inputs = Math.max(...INPUTS.map((p) => newestMtime(join(ROOT, p))));
  if (built > inputs) return;
  run(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'demo', '--logLevel', 'warn']);
}
