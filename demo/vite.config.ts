import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// `vite build demo` bundles the page and @cairn/client (its built package, packages/client/dist) into
// demo/dist, which the server serves at / (packages/server/src/http/home.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: {
    // `vite demo` (dev server) proxies the sync socket to a server started with `npm start`.
    proxy: { '/v1/sync': { target: 'ws://127.0.0.1:8787', ws: true } },
  },
});
