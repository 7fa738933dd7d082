/**
 * `npm start`: reads the environment and starts a node (start-node.ts). Nothing else lives here; the
 * `cairn-server` bin (cli/bin.ts) starts the same node and adds a startup summary.
 */
import { setupFromEnvironment, startNode } from './start-node.js';

await startNode(await setupFromEnvironment(process.env));
