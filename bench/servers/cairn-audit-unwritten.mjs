// Cairn exactly as `npm start` runs it (start-node.ts, the same environment), except that the audit log's
// batches are never written to the database: the variant bench/lifecycle-cost.mjs compares with, to price
// what the audit table (L4) costs the fan-out and durable paths. The node still records and coalesces every
// audit event in memory, so what this removes is the audit INSERTs and their share of the pool.
import { setupFromEnvironment, startNode } from '../../packages/server/dist/start-node.js';

const setup = await setupFromEnvironment(process.env);
await startNode({ ...setup, wrapStore: (store) => ({ ...store, appendAudit: async () => {} }) });
