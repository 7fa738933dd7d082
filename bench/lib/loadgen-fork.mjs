// Runs one workload in a fresh load generator process (bench/loadgen.mjs) and resolves with its result, or
// { error } when it failed, exited or ran past `timeoutMs` (then it is killed). Advanced serialization: a
// result's Infinity (an undelivered update's latency) and typed arrays arrive as they were sent.
import { fork } from 'node:child_process';

export function runLoadgen(workload, target, options, timeoutMs) {
  return new Promise((resolve) => {
    const child = fork(new URL('../loadgen.mjs', import.meta.url), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ error: `timed out after ${timeoutMs / 1000} s` });
    }, timeoutMs);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m.ok ? m.result : { error: m.error });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ error: `load generator exited with ${code}` });
    });
    child.send({ workload, target, options });
  });
}
