// Hocuspocus in its default setup: `new Server({ port })`, no extensions (so no persistence), default
// timeout and debounce. `quiet` only silences the start banner.
import { Server } from '@hocuspocus/server';

const port = Number(process.env.PORT || 1234);
const server = new Server({ port, address: process.env.HOST || '127.0.0.1', quiet: true });
await server.listen();
console.log(`hocuspocus on ${port}`);
process.on('SIGTERM', () => process.exit(0));
