import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * What a user gets from `npm install @cairn/<pkg>` is decided by package.json alone. These read the
 * manifests and the lockfile, fast and with no network; test/integration/packed-app.test.ts packs and
 * installs the real tarballs and runs what they hold.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGES = ['shared', 'client', 'server'] as const;
// The oldest Node the packages promise (engines.node); CI runs it, so anything it cannot run fails there too.
const MIN_NODE = '20.0.0';

interface Manifest {
  name: string;
  version: string;
  license?: string;
  repository?: { type?: string; url?: string; directory?: string };
  engines?: { node?: string };
  files?: string[];
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
}

interface LockEntry {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(ROOT + path, 'utf8')) as T;
}

const manifest = (pkg: string) => readJson<Manifest>(`packages/${pkg}/package.json`);

function parseVersion(v: string): [number, number, number] {
  const parts = v.replace(/^v/, '').split('.').map((p) => (p === 'x' || p === '*' ? 0 : Number(p)));
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
}

function compare(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Enough of semver's range grammar for the `engines.node` fields in the lockfile: `||` alternatives of
 * space-separated `>=x.y.z`, `^x.y.z`, bare `x` / `x.y`, wildcards (`10.x`, `10.*`) and `*`. Anything else throws, so a new form is
 * noticed here rather than passed.
 */
function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  return range.split('||').some((alt) => {
    const comparators = alt.trim().replace(/(>=|<=|>|<|\^)\s+/g, '$1').split(/\s+/).filter(Boolean);
    return comparators.every((c) => {
      if (c === '*') return true;
      const m = /^(>=|<|\^)?v?(\d+(?:\.(?:\d+|x|\*))?(?:\.(?:\d+|x|\*))?)$/.exec(c);
      if (!m) throw new Error(`engines range not understood: ${range}`);
      const [, op, ver] = m as unknown as [string, string | undefined, string];
      const r = parseVersion(ver);
      if (op === '>=') return compare(v, r) >= 0;
      if (op === '<') return compare(v, r) < 0;
      if (op === '^') return v[0] === r[0] && compare(v, r) >= 0;
      // A bare `20` or `20.9` is every version with that prefix.
      const fixed = ver.split('.').filter((p) => p !== 'x' && p !== '*').length;
      return v.slice(0, fixed).every((n, i) => n === r[i]);
    });
  });
}

describe('the published packages', () => {
  it('the engines range check understands the forms the lockfile uses', () => {
    expect(satisfies('20.0.0', '>=20')).toBe(true);
    expect(satisfies('20.20.2', '>=22')).toBe(false);
    expect(satisfies('20.0.0', '^16 || ^18 || >=20')).toBe(true);
    expect(satisfies('20.0.0', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('20.0.0', '20 || >=22')).toBe(true);
    expect(satisfies('21.0.0', '20 || >=22')).toBe(false);
    expect(satisfies('20.0.0', '>= 10.x')).toBe(true);
    expect(satisfies('20.0.0', '>=v0.2.0')).toBe(true);
    // get-caller-file (yargs, under dpdm) says `6.* || 8.* || >= 10.*`.
    expect(satisfies('20.0.0', '6.* || 8.* || >= 10.*')).toBe(true);
    expect(satisfies('8.9.0', '6.* || 8.* || >= 10.*')).toBe(true);
    expect(satisfies('9.0.0', '6.* || 8.* || >= 10.*')).toBe(false);
  });

  it.each(['client', 'server'])('@cairn/%s depends on @cairn/shared at the workspace version', (pkg) => {
    expect(manifest(pkg).dependencies?.['@cairn/shared']).toBe(manifest('shared').version);
    // The workspace link must be what npm ci installs, not a registry copy of another version.
    const lock = readJson<{ packages: Record<string, { link?: boolean; resolved?: string }> }>('package-lock.json');
    expect(lock.packages['node_modules/@cairn/shared']).toMatchObject({ link: true, resolved: 'packages/shared' });
    expect(lock.packages[`packages/${pkg}/node_modules/@cairn/shared`]).toBeUndefined();
  });

  it.each(PACKAGES)('@cairn/%s builds itself before it is packed and ships dist, the src its maps name, README.md and LICENSE', (pkg) => {
    const m = manifest(pkg);
    expect(m.scripts?.prepack).toBe('tsc -b');
    // dist's .js.map and .d.ts.map point at ../src: without it a debugger and go-to-definition find no source.
    expect([...(m.files ?? [])].sort()).toEqual(['LICENSE', 'README.md', 'dist', 'src']);
    expect(existsSync(`${ROOT}packages/${pkg}/README.md`)).toBe(true);
  });

  it.each(PACKAGES)('@cairn/%s says its license, repository and Node versions', (pkg) => {
    const m = manifest(pkg);
    expect(m.license).toBe('MIT');
    expect(m.repository).toEqual({
      type: 'git',
      url: 'git+https://github.com/cairn-sync/cairn.git',
      directory: `packages/${pkg}`,
    });
    expect(m.engines?.node).toBe(`>=${MIN_NODE.split('.')[0]}`);
  });

  it.each(PACKAGES)('@cairn/%s carries the MIT license text', (pkg) => {
    const text = readFileSync(`${ROOT}packages/${pkg}/LICENSE`, 'utf8');
    expect(text).toBe(readFileSync(`${ROOT}LICENSE`, 'utf8'));
    expect(text).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the Cairn authors\n/);
  });

  it('every dependency the packages install runs on the oldest Node they promise', () => {
    // Entries without `dev` are what installing the packages pulls in (the bench and tools are dev-only);
    // '' is the repository itself, checked in the next test.
    const lock = readJson<{ packages: Record<string, LockEntry> }>('package-lock.json');
    const refused = Object.entries(lock.packages)
      .filter(([path, e]) => path !== '' && !e.dev && e.engines !== undefined && !Array.isArray(e.engines) && e.engines.node !== undefined)
      .filter(([, e]) => !satisfies(MIN_NODE, (e.engines as { node: string }).node))
      .map(([path, e]) => `${path}@${e.version}: node ${(e.engines as { node: string }).node}`);
    expect(refused).toEqual([]);
  });

  it('the repository needs the Node its dev tools need, and no less', () => {
    const lock = readJson<{ packages: Record<string, LockEntry> }>('package-lock.json');
    const root = readJson<Manifest>('package.json').engines?.node ?? '*';
    const ranges = Object.values(lock.packages)
      .map((e) => (e.engines !== undefined && !Array.isArray(e.engines) ? e.engines.node : undefined))
      .filter((r): r is string => r !== undefined);
    // Each release line the root admits at its lowest version must satisfy every dependency's range.
    for (const lowest of ['20.19.0', '22.13.0', '24.0.0']) {
      expect(satisfies(lowest, root)).toBe(true);
      expect(ranges.filter((r) => !satisfies(lowest, r))).toEqual([]);
    }
    for (const older of ['20.18.0', '22.12.0', '23.9.0']) expect(satisfies(older, root)).toBe(false);
  });
});
