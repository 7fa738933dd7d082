// Preloaded (`--import`) into every server the bench starts, peers and Cairn alike: SIGUSR2 runs a full
// GC, so memory readings taken right after it compare live memory rather than each heap's GC timing.
// Needs `--expose-gc`; the server code itself is unchanged. With BENCH_MEM_DUMP=FILE set, each signal also
// appends the process.memoryUsage() breakdown after the GC to FILE (one JSON line): where RSS went.
import { appendFileSync } from 'node:fs';

process.on('SIGUSR2', () => {
  globalThis.gc?.();
  const file = process.env.BENCH_MEM_DUMP;
  if (!file) return;
  const mb = (n) => Math.round(n / 2 ** 20);
  const m = process.memoryUsage();
  const line = { at: new Date().toISOString(), pid: process.pid, rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) };
  appendFileSync(file, `${JSON.stringify(line)}\n`);
});
