import { defineConfig } from '@playwright/test';
import { CHROMIUM } from './support/chromium.js';

// `npm run test:e2e` = `playwright test -c e2e`. The global setup builds what is stale and starts one
// server (real Postgres + Redis, a private schema and prefix); specs that kill a server start their own.
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: 'artifacts/test-output',
  globalSetup: './support/global-setup.ts',
  // Two cores: two workers, each test owns its contexts and its own space on the shared server.
  workers: 2,
  fullyParallel: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: '../test-results/playwright.json' }]],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: CHROMIUM.executablePath, args: [...CHROMIUM.args] },
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
});
