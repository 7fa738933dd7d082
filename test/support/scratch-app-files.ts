/**
 * The scratch app's own files, besides `src/main.ts` (the README example). Its tsconfig is a fresh
 * `npm create vite -- --template vanilla-ts` app's (noUnusedLocals and the rest) plus what a careful user
 * adds: noUncheckedIndexedAccess, exactOptionalPropertyTypes and skipLibCheck off, so every .d.ts the
 * packages ship is checked too. The harness and the reader are type-checked with the same settings.
 */

export const APP_PACKAGE_JSON = JSON.stringify(
  {
    name: 'cairn-scratch-app',
    private: true,
    version: '0.0.0',
    type: 'module',
    // packages/server/README.md "Install": what a Node 20 app adds for the cookie@2 EBADENGINE warning.
    overrides: { 'light-my-request': { cookie: '^1.1.1' } },
  },
  null,
  2,
);

export const APP_TSCONFIG = JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'bundler',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      types: ['vite/client'],
      verbatimModuleSyntax: true,
      moduleDetection: 'force',
      noEmit: true,
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noFallthroughCasesInSwitch: true,
      noUncheckedSideEffectImports: true,
      erasableSyntaxOnly: true,
    },
    include: ['src'],
  },
  null,
  2,
);

export const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head><meta charset="UTF-8" /><link rel="icon" href="data:," /><title>cairn scratch app</title></head>
  <body><script type="module" src="/src/harness.ts"></script></body>
</html>
`;

/**
 * The page runs the example (src/main.ts) or, with ?role=reader, the reader; either way it publishes how
 * the run ended on window.cairnRun, which the test polls. The example is imported, not inlined, so that
 * its top-level await finishing is the signal that it ran to the end.
 */
export const HARNESS_TS = `type CairnRun = { state: 'running' } | { state: 'done'; result: unknown } | { state: 'failed'; error: string };

declare global {
  interface Window {
    cairnRun: CairnRun;
  }
}

window.cairnRun = { state: 'running' };
const role = new URLSearchParams(location.search).get('role');
const ran: Promise<unknown> = role === 'reader' ? import('./reader').then((m) => m.read()) : import('./main').then(() => 'the example ran to its end');
ran.then(
  (result) => (window.cairnRun = { state: 'done', result }),
  (err: unknown) => (window.cairnRun = { state: 'failed', error: err instanceof Error ? \`\${err.name}: \${err.message}\\n\${err.stack ?? ''}\` : String(err) }),
);
`;

/**
 * A second device: a fresh client (memory replica, its own browser context) that reads back what the
 * example wrote, from the server only, through the example's own 200 m region.
 */
export const READER_TS = `import { createCairnClient } from '@cairn/client';

export interface ReaderView {
  note: string;
  anchors: { label: unknown; p: readonly number[] }[];
}

export async function read(): Promise<ReaderView> {
  const server = new URLSearchParams(location.search).get('server');
  if (server === null) throw new Error('the reader needs ?server=ws://…');
  const client = createCairnClient({ url: server, persistence: 'memory', dbName: 'cairn-reader' });
  const notes = await client.open('site-42/notes');
  const site = client.space('site-42');
  const at = { lat: 48.8584, lon: 2.2945 };
  await site.subscribeRegion({ ...at, radiusM: 200 });
  await client.whenSynced();
  const anchors = site.anchors.within([0, 0, 0], 10).map((a) => ({ label: a.props['label'], p: a.pose.p }));
  return { note: notes.getText('body').toString(), anchors };
}
`;
