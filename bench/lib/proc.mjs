// CPU and memory of a process, read from /proc as the kernel accounts them (never estimated).
import { readFileSync, readdirSync } from 'node:fs';
import { sleep } from './stats.mjs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** utime + stime of the process, in seconds (10 ms resolution). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself hold spaces: field 3 (state) is rest[0].
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS;
}

/**
 * CPU time of every thread of the process in milliseconds, from /proc/<pid>/task/<tid>/schedstat (ns
 * resolution): for measuring something as short as one join, where stat's 10 ms ticks are too coarse.
 */
export function cpuMsFine(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended
    }
  }
  return ns / 1e6;
}

/** VmRSS of the process, in bytes. */
export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Pids of every process whose command name is one of `names` (e.g. postgres, redis-server). */
export function pidsNamed(names) {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** CPU seconds of every process with one of these names, by pid. */
export function cpuSecondsNamed(names) {
  const byPid = new Map();
  for (const pid of pidsNamed(names)) {
    try {
      byPid.set(pid, cpuSeconds(pid));
    } catch {
      // gone
    }
  }
  return byPid;
}

/**
 * CPU the named processes used between two readings: each live process's growth since the first reading
 * (from 0 if it started since). A process that exited meanwhile drops out: its CPU inside the window is not
 * counted (an undercount, never a negative figure).
 */
function cpuGrowth(before, after) {
  let total = 0;
  for (const [pid, s] of after) total += Math.max(0, s - (before.get(pid) ?? 0));
  return total;
}

/**
 * A CPU meter over a window: start(), then stop() returns the seconds each watched party used. `serverPid`
 * may be a list (a server of several nodes): their sum. `machineSeconds` is the whole machine's busy time
 * (every process, the load generator and other users' work included): what the rest took is that minus
 * the parties.
 */
export function cpuWindow(serverPid, { services = [] } = {}) {
  const pids = [].concat(serverPid);
  const serverCpu = () => pids.reduce((a, pid) => a + cpuSeconds(pid), 0);
  const t0 = performance.now();
  const s0 = serverCpu();
  const svc0 = services.length ? cpuSecondsNamed(services) : new Map();
  const self0 = process.cpuUsage();
  const machine0 = machineBusySeconds();
  return () => {
    const self = process.cpuUsage(self0);
    const machineSeconds = machineBusySeconds() - machine0;
    return {
      wallSeconds: (performance.now() - t0) / 1000,
      serverSeconds: serverCpu() - s0,
      servicesSeconds: services.length ? cpuGrowth(svc0, cpuSecondsNamed(services)) : 0,
      loadgenSeconds: (self.user + self.system) / 1e6,
      machineSeconds,
    };
  };
}

/** CPU seconds the whole machine spent busy (all cores: user, nice, system, irq, softirq, steal) since boot. */
export function machineBusySeconds() {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

/** Waits until the process is idle (under 5% of a core over 300 ms), at most `maxMs`: a backlog stays out of what is measured next. */
export async function waitIdle(pid, maxMs) {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const c0 = cpuSeconds(pid);
    await sleep(300);
    if (cpuSeconds(pid) - c0 < 0.015) return;
  }
}
