/**
 * Builds the page if needed and starts the server every spec shares: a real process on a free port, in dev
 * mode (anonymous read+write), on the real Postgres and Redis of this machine under a private schema and
 * key prefix. Specs find it in CAIRN_E2E_URL. The returned function stops it and drops the schema.
 */
import { isolatedEnv, startServer } from '../../test/support/server-process.js';
import { buildDemoIfStale } from './build-demo.js';
import { devModeEnv } from './dev-mode.js';

export default async function globalSetup(): Promise<() => Promise<void>> {
  buildDemoIfStale();
  const iso = isolatedEnv('e2e');
  const server = await startServer(devModeEnv(iso.env)).catch(async (err: unknown) => {
    await iso.drop();
    throw err;
  });
  process.env.CAIRN_E2E_URL = server.url;
  let stopping = false;
  // Every spec after a crash would fail with ERR_CONNECTION_REFUSED: say why the shared server died.
  void server.exited.then(({ code, signal }) => {
    if (!stopping) console.error(`the shared e2e server exited (code ${code}, signal ${signal}); its last output:\n${server.output().slice(-6000)}`);
  });
  return async () => {
    stopping = true;
    await server.kill('SIGTERM');
    await iso.drop();
  };
}

