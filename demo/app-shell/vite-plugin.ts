/**
 * Builds the app-shell worker (`worker.ts`) into `sw.js` next to the page, with this build's precache list
 * and version written into it. The list is known only once the bundle is complete (Vite names assets by
 * their hash), so the worker is emitted as an extra entry and its `__APP_SHELL__` placeholder is replaced
 * in `generateBundle`, after Vite's own plugins have emitted `index.html`.
 *
 * The version is a hash of every precached file's name and bytes: a build that changes anything the
 * page loads gets a new version, hence a new `sw.js` (the browser installs a worker whose bytes changed)
 * and a new cache; a rebuild of the same sources gets the same version and changes nothing.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { precacheFiles, WORKER_FILE } from './cache-plan.js';

const ENTRY = fileURLToPath(new URL('./worker.ts', import.meta.url));
const PLACEHOLDER = '__APP_SHELL__';

export function shellVersion(files: ReadonlyArray<{ name: string; content: string | Uint8Array }>): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    hash.update(`${f.name}\0${Buffer.byteLength(f.content)}\0`);
    hash.update(f.content);
  }
  return hash.digest('hex').slice(0, 16);
}

export function appShellWorker(): Plugin {
  return {
    name: 'cairn:app-shell-worker',
    apply: 'build',
    enforce: 'post',
    buildStart() {
      this.emitFile({ type: 'chunk', id: ENTRY, fileName: WORKER_FILE });
    },
    generateBundle(_options, bundle) {
      const worker = bundle[WORKER_FILE];
      if (worker?.type !== 'chunk') throw new Error(`app shell: ${WORKER_FILE} is missing from the bundle`);
      const files = precacheFiles(Object.keys(bundle));
      const version = shellVersion(
        files.map((name) => {
          const item = bundle[name]!;
          return { name, content: item.type === 'chunk' ? item.code : item.source };
        }),
      );
      const parts = worker.code.split(PLACEHOLDER);
      if (parts.length !== 2) throw new Error(`app shell: expected one ${PLACEHOLDER} in ${WORKER_FILE}, found ${parts.length - 1}`);
      // A service worker registered without { type: 'module' } is a classic script: no import or export.
      if (/^\s*(import|export)\b/m.test(worker.code)) throw new Error(`app shell: ${WORKER_FILE} must bundle into a classic script`);
      worker.code = parts.join(JSON.stringify({ version, files }));
    },
  };
}
