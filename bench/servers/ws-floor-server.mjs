// The floor, not a peer: a bare `ws` server that does the least a relay can. It answers the y-websocket
// handshake with an empty sync step 2 and passes every other sync message (an update, as bytes, never
// decoded) to the other sockets of the same room (the URL path); it keeps nothing else per connection.
// Idle connections (workload 3): what Node, its TCP socket and the `ws` library cost before any sync
// engine adds state. Fan-out (workload 1): what one delivery costs with no Yjs, no storage and no bus:
// a ws frame and a socket write per receiver.
import http from 'node:http';
import { WebSocketServer } from 'ws';

const STEP2_EMPTY = new Uint8Array([0, 1, 2, 0, 0]); // messageSync, syncStep2, an empty update
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
/** room (URL path) → its open sockets */
const rooms = new Map();
const server = http.createServer((_req, res) => res.end('okay'));
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    const name = req.url ?? '/';
    let room = rooms.get(name);
    if (!room) rooms.set(name, (room = new Set()));
    room.add(ws);
    ws.on('close', () => {
      room.delete(ws);
      if (room.size === 0 && rooms.get(name) === room) rooms.delete(name);
    });
    ws.on('message', (data) => {
      if (data[0] !== 0) return; // awareness and the rest: not relayed
      if (data[1] === 0) {
        ws.send(STEP2_EMPTY); // sync step 1
        return;
      }
      for (const other of room) if (other !== ws) other.send(data, { binary: true });
    });
  });
});
server.listen(Number(process.env.PORT || 1234), process.env.HOST || '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
