#!/usr/bin/env node
// A check of the fan-out rig's stall instrumentation (lib/stall-watch.mjs, lib/rig.mjs), not a benchmark:
// a relay (servers/ws-floor-server.mjs's protocol) that closes 10 of 100 sockets 1.5 s into the phase, half
// with Cairn's SLOW_CONSUMER close and half with RATE_LIMITED, and serves a Cairn-like /metrics whose
// cairn_rejected_frames_total{code="RATE_LIMITED"} grows with each RATE_LIMITED close. The rig must count
// the 10 closes by code, reopen all 10, report the counter's growth, and count the updates the closed
// sockets missed as undelivered. Exits non-zero when it does not. `node bench/stall-check.mjs` (~8 s).
import assert from 'node:assert/strict';
import http from 'node:http';
import { fork } from 'node:child_process';
import { createFanoutRig } from './lib/fanout-phase.mjs';
import { stallLine } from './lib/stall-watch.mjs';

async function closingRelay() {
  const { WebSocketServer } = await import('ws');
  let rejected = 0;
  let n = 0;
  const rooms = new Map();
  const wss = new WebSocketServer({ noServer: true });
  const metrics = () => `cairn_rejected_frames_total{code="RATE_LIMITED"} ${rejected}\ncairn_fanout_dropped_total{reason="own"} ${rejected * 10}\ncairn_connections{endpoint="y-websocket"} ${wss.clients.size}\n`;
  const server = http.createServer((req, res) => res.end(req.url === '/metrics' ? metrics() : 'okay'));
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => {
    const room = rooms.get(req.url) ?? new Set();
    rooms.set(req.url, room);
    room.add(ws);
    const mine = n++;
    ws.on('close', () => room.delete(ws));
    ws.on('message', (d) => {
      if (d[1] === 0) return ws.send(new Uint8Array([0, 1, 2, 0, 0])); // step 1 → an empty step 2
      for (const other of room) if (other !== ws) other.send(d);
    });
    if (mine < 100 && mine % 10 === 0) setTimeout(() => {
      if (mine % 20 === 0) return ws.close(4015, 'SLOW_CONSUMER');
      rejected++;
      ws.close(4011, 'RATE_LIMITED');
    }, 1500);
  }));
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
}

if (process.argv[2] === 'relay') await closingRelay();
else {
  const relay = fork(new URL(import.meta.url), ['relay']);
  try {
    const port = await new Promise((resolve) => relay.once('message', resolve));
    const target = { protocol: 'y', pid: relay.pid, yUrlTemplate: `ws://127.0.0.1:${port}/{room}`, metricsUrl: `http://127.0.0.1:${port}/metrics`, services: [] };
    const rig = await createFanoutRig(target, { clients: 100, roomSize: 10, roomPrefix: 'check', shape: 'peer9', seed: 7 });
    const step = await rig.phase({ hz: 2, warmupMs: 500, windowMs: 3000, graceMs: 1000 });
    const quiet = await rig.phase({ hz: 2, warmupMs: 200, windowMs: 1000, graceMs: 500 });
    rig.close();
    console.log(stallLine(step));
    assert.deepEqual(step.sockets, { closed: 10, closeCodes: { '4015 SLOW_CONSUMER': 5, '4011 RATE_LIMITED': 5 }, reconnects: 10, failedReconnects: 0, downAtEnd: 0 });
    assert.deepEqual(step.serverMetrics.rejected, { RATE_LIMITED: 5 });
    assert.ok(step.missing > 0, 'the closed sockets missed updates while they were down');
    assert.equal(step.duplicates, 0);
    assert.equal(quiet.sockets.closed, 0);
    assert.equal(stallLine(quiet), '');
    console.log('stall instrumentation: ok');
  } finally {
    relay.kill();
  }
}
