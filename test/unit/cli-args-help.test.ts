/**
 * `cairn-server` (issue 12): argument parsing (unknown flags are usage errors, exit 2 in bin.ts), the help
 * text generated from the settings table (every setting config.ts reads is listed, so the two cannot drift),
 * and the startup summary (never a password).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readConfig } from '@cairn/server';
import { parseCli } from '../../packages/server/src/cli/args.js';
import { helpText } from '../../packages/server/src/cli/help.js';
import { startupSummary } from '../../packages/server/src/cli/summary.js';
import { SETTINGS } from '../../packages/server/src/settings.js';

const CONFIG_SOURCE = readFileSync(new URL('../../packages/server/src/config.ts', import.meta.url), 'utf8');
const SERVER_README = readFileSync(new URL('../../packages/server/README.md', import.meta.url), 'utf8');
const OPERATIONS = readFileSync(new URL('../../docs/OPERATIONS.md', import.meta.url), 'utf8');

describe('cairn-server arguments', () => {
  it('§8: no command and `start` both start a node; --help and --version win anywhere', () => {
    expect(parseCli([])).toEqual({ kind: 'start' });
    expect(parseCli(['start'])).toEqual({ kind: 'start' });
    expect(parseCli(['--help'])).toEqual({ kind: 'help' });
    expect(parseCli(['token', '--space', 'a', '-h'])).toEqual({ kind: 'help' });
    expect(parseCli(['--version'])).toEqual({ kind: 'version' });
  });

  it('S1: token --space site-42 --rw grants rw on that space; defaults are read-only, sub dev, tenant default, 1 h', () => {
    expect(parseCli(['token', '--space', 'site-42', '--rw', '--sub', 'u1', '--ttl', '60'])).toEqual({
      kind: 'token', spaces: ['site-42'], access: 'rw', subject: 'u1', tenant: 'default', ttlSec: 60, admin: false,
    });
    expect(parseCli(['token', '--space', 'a', '--space', 'b', '--tenant', 'acme'])).toEqual({
      kind: 'token', spaces: ['a', 'b'], access: 'r', subject: 'dev', tenant: 'acme', ttlSec: 3600, admin: false,
    });
  });

  it('C4: quarantine passes its arguments to the quarantine command as they are', () => {
    expect(parseCli(['quarantine', 'drop', 't1', 'a/doc', '2'])).toEqual({ kind: 'quarantine', args: ['drop', 't1', 'a/doc', '2'] });
  });

  it.each([
    [['--bogus'], /unknown option --bogus/],
    [['serve'], /unknown command "serve"/],
    [['start', '--port', '1'], /unknown option --port for "start"/],
    [['token', '--space', 'a', '--bad'], /Unknown option '--bad'/],
    [['token'], /--space <name> is required/],
    [['token', '--space', 'a', '--rw', '--ro'], /exclude each other/],
    [['token', '--space', 'a', '--ttl', '1.5'], /--ttl 1.5 is not a positive number/],
    [['token', '--space', 'a', '--ttl', '0'], /--ttl 0 is not a positive number/],
    [['token', 'extra', '--space', 'a'], /token: /],
  ])('§8: %j is a usage error with a message', (argv, message) => {
    const cmd = parseCli(argv);
    expect(cmd.kind).toBe('usage');
    expect(cmd.kind === 'usage' && cmd.message).toMatch(message);
  });
});

describe('cairn-server --help', () => {
  it('§8: every setting of the table appears in --help with its default', () => {
    const help = helpText();
    for (const s of SETTINGS) {
      expect(help).toContain(s.env);
      expect(help).toContain(`default: ${s.default}`);
    }
  });

  it('§8: every environment variable config.ts reads is in the table (help and config cannot drift)', () => {
    const read = new Set([
      ...[...CONFIG_SOURCE.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!),
      ...[...CONFIG_SOURCE.matchAll(/(?:positiveInt\(env, |settingDefault\()'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!),
    ]);
    expect(read.size).toBeGreaterThanOrEqual(SETTINGS.length);
    expect([...read].sort()).toEqual(SETTINGS.map((s) => s.env).sort());
  });

  it('§8: TLS files come in pairs, and HSTS only with them', () => {
    expect(readConfig({}).tls).toBeNull();
    expect(() => readConfig({ CAIRN_TLS_CERT: '/c.pem' })).toThrow(/CAIRN_TLS_CERT is set but CAIRN_TLS_KEY is not/);
    expect(() => readConfig({ CAIRN_TLS_KEY: '/k.pem' })).toThrow(/CAIRN_TLS_KEY is set but CAIRN_TLS_CERT is not/);
    expect(() => readConfig({ CAIRN_HSTS_MAX_AGE: '600' })).toThrow(/CAIRN_HSTS_MAX_AGE needs CAIRN_TLS_CERT/);
    const both = { CAIRN_TLS_CERT: '/c.pem', CAIRN_TLS_KEY: '/k.pem' };
    expect(() => readConfig({ ...both, CAIRN_HSTS_MAX_AGE: '1y' })).toThrow(/CAIRN_HSTS_MAX_AGE=1y is not a number of seconds/);
    expect(readConfig({ ...both, CAIRN_HSTS_MAX_AGE: '31536000' }).hstsMaxAge).toBe(31536000);
    expect(readConfig(both).hstsMaxAge).toBeNull();
  });

  it('§8: the server README and the configuration table of OPERATIONS.md name every setting', () => {
    for (const s of SETTINGS) {
      expect(SERVER_README, s.env).toContain(`\`${s.env}\``);
      expect(OPERATIONS, s.env).toContain(`| \`${s.env}\` |`);
    }
  });

  it('§8: the numeric defaults in the table are the ones readConfig uses', () => {
    const config = readConfig({});
    const byEnv = Object.fromEntries(SETTINGS.map((s) => [s.env, s.default]));
    expect(String(config.port)).toBe(byEnv.PORT);
    expect(String(config.pgPoolSize)).toBe(byEnv.CAIRN_PG_POOL_SIZE);
    expect(String(config.maxConnections)).toBe(byEnv.CAIRN_MAX_CONNECTIONS);
    expect(String(config.maxConnectionsPerAddress)).toBe(byEnv.CAIRN_MAX_CONNECTIONS_PER_ADDRESS);
    expect(String(config.maxPreAuthBytes)).toBe(byEnv.CAIRN_PRE_AUTH_BYTES);
    expect(String(config.restLimits.perPrincipal)).toBe(byEnv.CAIRN_REST_RATE_PER_TOKEN);
    expect(String(config.restLimits.historyPerPrincipal)).toBe(byEnv.CAIRN_HISTORY_RATE_PER_TOKEN);
    expect(String(config.restLimits.historyInFlight)).toBe(byEnv.CAIRN_HISTORY_IN_FLIGHT);
    expect(String(config.restLimits.refusalsPerAddress)).toBe(byEnv.CAIRN_REST_AUTH_FAILURES_PER_ADDRESS);
    expect(String(config.snapshotMinUpdates)).toBe(byEnv.CAIRN_SNAPSHOT_MIN_UPDATES);
    expect(config.dataDir).toBe(byEnv.CAIRN_DATA_DIR);
  });
});

describe('cairn-server startup summary', () => {
  it('S8: defaults: PGlite dir, in-process bus, auth off and what dev mode means', () => {
    const line = startupSummary(readConfig({}), 'http://127.0.0.1:8787', 'node-a');
    expect(line).toBe(
      'cairn-server listening on http://127.0.0.1:8787 (node node-a) | native: ws://127.0.0.1:8787/v1/sync | store: PGlite in ./.cairn-data | bus: in-process (this node only) | ' +
        'auth: off (dev mode: every socket is anonymous with read+write on every space; loopback Host names only)',
    );
  });

  it('S1: Postgres host/db and Redis host without user, password or secret; auth on', () => {
    const secret = 'a-secret-of-at-least-32-characters-long';
    const config = readConfig({
      DATABASE_URL: 'postgres://cairn:hunter2@db.internal:5433/cairn', CAIRN_PG_SCHEMA: 'prod',
      REDIS_URL: 'redis://:redispw@cache.internal:6379', CAIRN_AUTH_SECRET: secret,
    });
    const line = startupSummary(config, 'http://0.0.0.0:8787', 'node-b');
    expect(line).toContain('store: Postgres db.internal:5433/cairn, schema prod');
    expect(line).toContain('bus: Redis cache.internal:6379, prefix cairn:');
    expect(line).toContain('auth: on');
    for (const hidden of ['hunter2', 'redispw', 'cairn:hunter2', secret]) expect(line).not.toContain(hidden);
  });

  it('§8: with TLS the line names the https address and the native wss URL', () => {
    const config = readConfig({ CAIRN_TLS_CERT: '/etc/cairn/fullchain.pem', CAIRN_TLS_KEY: '/etc/cairn/key.pem' });
    expect(config.tls).toEqual({ certFile: '/etc/cairn/fullchain.pem', keyFile: '/etc/cairn/key.pem' });
    const line = startupSummary(config, 'https://0.0.0.0:8443', 'node-c');
    expect(line).toMatch(/^cairn-server listening on https:\/\/0\.0\.0\.0:8443 \(node node-c\) \| native: wss:\/\/0\.0\.0\.0:8443\/v1\/sync \| /);
  });
});
