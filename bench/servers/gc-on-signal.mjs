// Preloaded (`--import`) into every server the bench starts, peers and Cairn alike: SIGUSR2 runs a full
// GC, so memory readings taken right after it compare live memory rather than each heap's GC timing.
// Needs `--expose-gc`; the server code itself is unchanged.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
});
