/**
 * The one startup line of `cairn-server start`: where it listens (https and wss with TLS), the native URL
 * a client is given, the Store and Bus it uses and whether auth is on, with what that means. It never
 * prints a password or the auth secret.
 */
import type { ServerConfig } from '../config.js';

export function startupSummary(config: ServerConfig, address: string, nodeId: string): string {
  return [
    `cairn-server listening on ${address} (node ${nodeId})`,
    `native: ${nativeUrl(address)}`,
    `store: ${storeText(config)}`,
    `bus: ${busText(config)}`,
    `auth: ${authText(config)}`,
  ].join(' | ');
}

/** The native endpoint a client is given: the listen address with ws(s) for http(s). */
function nativeUrl(address: string): string {
  return `${address.replace(/^http/, 'ws')}/v1/sync`;
}

function storeText(config: ServerConfig): string {
  if (!config.databaseUrl) return `PGlite in ${config.dataDir}`;
  const schema = config.pgSchema ? `, schema ${config.pgSchema}` : '';
  return `Postgres ${urlHost(config.databaseUrl)}${urlPath(config.databaseUrl)}${schema}`;
}

function busText(config: ServerConfig): string {
  if (!config.redisUrl) return 'in-process (this node only)';
  return `Redis ${urlHost(config.redisUrl)}, prefix ${config.redisPrefix}`;
}

function authText(config: ServerConfig): string {
  if (config.authSecret) return 'on (every socket and REST call needs a token signed with CAIRN_AUTH_SECRET)';
  return 'off (dev mode: every socket is anonymous with read+write on every space; loopback Host names only)';
}

/** host:port of a connection string, without user or password; the raw text is never echoed if it does not parse. */
function urlHost(raw: string): string {
  try {
    return new URL(raw).host || '(local socket)';
  } catch {
    return '(unparsable URL)';
  }
}

function urlPath(raw: string): string {
  try {
    return new URL(raw).pathname;
  } catch {
    return '';
  }
}
