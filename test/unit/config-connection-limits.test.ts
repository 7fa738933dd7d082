/**
 * S3/S7: the limits an operator sets from the environment (DESIGN.md section 8, docs/OPERATIONS.md):
 * Postgres pool size, connection caps and the pre-auth byte budget, with their defaults; a value that is
 * not a positive integer stops the server at start instead of running unbounded.
 */
import { describe, expect, it } from 'vitest';
import { readConfig } from '@cairn/server';

describe('config: connection limits', () => {
  it('S7: defaults: pool 10, 10,000 sockets, 256 per address, 64 KiB before hello', () => {
    expect(readConfig({})).toMatchObject({ pgPoolSize: 10, maxConnections: 10_000, maxConnectionsPerAddress: 256, maxPreAuthBytes: 65_536 });
  });

  it('S7: CAIRN_PG_POOL_SIZE, CAIRN_MAX_CONNECTIONS, CAIRN_MAX_CONNECTIONS_PER_ADDRESS and CAIRN_PRE_AUTH_BYTES are read', () => {
    const config = readConfig({ CAIRN_PG_POOL_SIZE: '24', CAIRN_MAX_CONNECTIONS: '500', CAIRN_MAX_CONNECTIONS_PER_ADDRESS: '20', CAIRN_PRE_AUTH_BYTES: '8192' });
    expect(config).toMatchObject({ pgPoolSize: 24, maxConnections: 500, maxConnectionsPerAddress: 20, maxPreAuthBytes: 8192 });
  });

  it.each(['0', '-3', '2.5', 'many'])('S7: CAIRN_MAX_CONNECTIONS=%s refuses to start with BAD_REQUEST', (value) => {
    expect(() => readConfig({ CAIRN_MAX_CONNECTIONS: value })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
