/**
 * `npx @cairn/server` run the way a user runs it, from an app's own install: npx finds the package's bin
 * in the app's node_modules/.bin (`--no`: never fetch a package of that name from the registry). The URL
 * comes from the one startup line. Stopping signals the process group (npx, its shell and the node it
 * started): npm 11's npx dies of a SIGTERM without passing it on, which would leave the node running.
 */
import { spawn } from 'node:child_process';
import { untilValue } from './until.js';

const STARTUP = 'cairn-server listening on ';

export interface NpxServer {
  /** http://host:port from the startup line. */
  readonly url: string;
  readonly line: string;
  output(): string;
  /** SIGTERM to the group; resolves once every process of it is gone (rejects after SIGKILL at `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

export async function startNpxServer(spec: string, cwd: string, env: Record<string, string>, timeoutMs = 60_000): Promise<NpxServer> {
  const child = spawn('npx', ['--no', '--', spec], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const signalGroup = (signal: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(-child.pid!, signal);
      return true;
    } catch {
      return false; // no process of the group is left
    }
  };
  const stop = async (graceMs = 15_000) => {
    signalGroup('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (signalGroup(0)) {
      if (Date.now() > deadline) {
        signalGroup('SIGKILL');
        throw new Error(`npx ${spec} did not stop within ${graceMs} ms of SIGTERM:\n${out.slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    const line = await untilValue(
      () => out.split('\n').find((l) => l.startsWith(STARTUP)),
      (l) => l !== undefined || child.exitCode !== null,
      `the startup line of npx ${spec}`,
      timeoutMs,
    );
    if (line === undefined) throw new Error(`npx ${spec} exited (${child.exitCode}) before its startup line:\n${out}`);
    const url = /^cairn-server listening on (http:\/\/\S+)/.exec(line)?.[1];
    if (url === undefined) throw new Error(`no URL in the startup line: ${line}`);
    return { url, line, output: () => out, stop };
  } catch (err) {
    await stop(2_000).catch(() => undefined);
    throw err;
  }
}
