/**
 * A user's app, made the way a user makes one: the three workspaces packed with `npm pack` (prepack builds
 * them), installed from those tarballs into a folder under os.tmpdir() (outside the repository, so no
 * workspace link or hoisted node_modules can stand in for what the tarballs hold), and commands run there
 * with an environment that carries nothing of the npm or Vitest process that started the test.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WORKSPACES = ['shared', 'client', 'server'] as const;

export interface Run {
  code: number | null;
  out: string;
  err: string;
}

// What a user's shell has that npm needs: its cache and config (HOME, the registry), a proxy, a CA.
const PASSED_ON = [
  'PATH', 'HOME', 'LANG', 'TMPDIR', 'npm_config_registry', 'npm_config_cache', 'NODE_EXTRA_CA_CERTS',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
];

/**
 * The variables above, plus `extra`. Under `npm test` the environment holds npm_config_* variables that
 * npm in a child would take as its own configuration (the repository's prefix among them), and Vitest
 * sets NODE_ENV=test, which would change what Vite builds.
 */
export function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PASSED_ON) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command to its end; never throws on a non-zero exit (the caller asserts on `code`). */
export function run(cmd: string, args: readonly string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { cwd: opts.cwd, env: opts.env ?? userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** Logs how long each step took, for the lead to compare runs (timings on a shared machine are provisional). */
export function createStepClock(prefix: string) {
  const started = performance.now();
  const steps: [string, number][] = [];
  return {
    async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const t0 = performance.now();
      try {
        return await fn();
      } finally {
        const ms = performance.now() - t0;
        steps.push([name, ms]);
        console.log(`[${prefix}] ${name}: ${(ms / 1000).toFixed(1)} s`);
      }
    },
    /** Every step, and the wall time since the clock was made (steps may overlap). */
    summary(): string {
      const wall = (performance.now() - started) / 1000;
      return `[${prefix}] ${steps.map(([n, ms]) => `${n} ${(ms / 1000).toFixed(1)} s`).join(', ')}; wall time ${wall.toFixed(1)} s`;
    },
  };
}

export function makeTempRoot(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Packed {
  name: string;
  version: string;
  filename: string;
  files: string[];
}

/** `npm pack -w …` of the three workspaces into `dest`; npm runs each one's prepack (`tsc -b`) first. */
export async function packWorkspaces(dest: string): Promise<Packed[]> {
  mkdirSync(dest, { recursive: true });
  const args = ['pack', ...WORKSPACES.flatMap((w) => ['-w', `packages/${w}`]), '--pack-destination', dest, '--json'];
  const res = await run('npm', args, { cwd: ROOT });
  if (res.code !== 0) throw new Error(`npm pack failed (${res.code}):\n${res.err}\n${res.out}`);
  const json = JSON.parse(res.out) as {
    name: string;
    version: string;
    filename: string;
    files: { path: string }[];
  }[];
  return json.map((p) => ({ name: p.name, version: p.version, filename: join(dest, p.filename), files: p.files.map((f) => f.path) }));
}

/** The version of a dev tool the repository itself installs (so the scratch install is served from npm's cache). */
export function repoVersion(pkg: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Writes `files` (path relative to `dir` → content) into the app folder. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
}

/**
 * The first ```ts block under README.md's `## Example` heading, as it is on disk now: the test runs what a
 * reader copies, so it fails when the README drifts from the packages.
 */
export function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /^## Example\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
  if (section === undefined) throw new Error('README.md has no "## Example" section');
  const block = /^```ts\n([\s\S]*?)^```$/m.exec(section)?.[1];
  if (block === undefined) throw new Error('README.md\'s "## Example" section has no ```ts block');
  return block;
}

/** `text` with `from` replaced by `to`, failing unless `from` occurs exactly once (so a stale edit is loud). */
export function replaceOnce(text: string, from: string, to: string): string {
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`expected ${JSON.stringify(from)} exactly once in the example, found it ${count} times`);
  return text.replace(from, to);
}
