// Preloaded into a bot process by scripts/bench-process-memory.ts (with --expose-gc): SIGUSR2 runs a
// full garbage collection, so resident memory is read after it, as the bench's memory part does.
process.on('SIGUSR2', () => globalThis.gc?.())
