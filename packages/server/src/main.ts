/**
 * `npm start`: reads the environment and starts a node (start-node.ts). Nothing else lives here; the
 * `cairn-server` bin (cli/bin.ts) starts the same node and adds a startup summary.
 */
import { readConfig } from './config.js';
import { startNode } from './start-node.js';

await startNode(readConfig(process.env));
