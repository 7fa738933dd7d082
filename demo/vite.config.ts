import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { appShellWorker } from './app-shell/vite-plugin.js';

// `vite build demo` bundles the page and @cairn/client (its built package, packages/client/dist) into
// demo/dist, which the server serves at / (packages/server/src/http/home.ts), with the app-shell service
// worker `sw.js` that lets the page reload with no network (demo/app-shell/).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [appShellWorker()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: {
    // `vite demo` (dev server) proxies the sync socket to a server started with `npm start`.
    proxy: { '/v1/sync': { target: 'ws://127.0.0.1:8787', ws: true } },
  },
});
