// The y-websocket reference server in its default setup, exactly as its bin (src/server.js) starts it:
// a plain `ws` server in noServer mode, every upgrade handed to setupWSConnection, no persistence
// (YPERSISTENCE unset). Only HOST and PORT come from the bench.
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { setupWSConnection } from '@y/websocket-server/utils';

const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 1234);
const wss = new WebSocketServer({ noServer: true });
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('okay');
});
wss.on('connection', setupWSConnection);
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});
server.listen(port, host, () => console.log(`y-websocket reference server on ${host}:${port}`));
process.on('SIGTERM', () => process.exit(0));
