import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@cairn/shared': src('shared'),
      '@cairn/client': src('client'),
      '@cairn/server': src('server'),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Type-level tests (*.test-d.ts): tsc checks them against the packages' src, like the aliases above, so
    // no build is needed. Type errors elsewhere are left to `npm run typecheck`.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './test/tsconfig.types.json', ignoreSourceErrors: true },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites start real server processes on fixed ports of their own; files run in parallel
    // on separate forks, so each suite picks free ports.
    pool: 'forks',
  },
});
