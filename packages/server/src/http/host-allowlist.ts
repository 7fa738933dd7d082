/**
 * S8: only configured hosts are served. A DNS-rebinding page (evil.example re-resolved to 127.0.0.1) talks
 * to this server from the attacker's origin, but its browser still sends `Host: evil.example`, and the
 * Origin check alone cannot tell (that page's Origin equals its Host). So every HTTP request and every
 * upgrade is refused with 421 HOST_NOT_ALLOWED unless its Host is a loopback name (localhost, *.localhost,
 * 127.0.0.0/8, [::1], any port: loopback-name.ts) or one of the configured `host[:port]` entries; '*' serves any Host. Loopback names are
 * always served: no rebinding page can make a browser send them for the attacker's own domain.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';
import { isLoopbackName } from './loopback-name.js';

/** '*' = any Host; a list = loopback names plus these `host` (any port) or `host:port` entries. */
export type AllowedHosts = readonly string[] | '*';

/** `Host` header value into lower-case name and port ('' when absent); null when it is not a host. */
function splitHost(value: string): { name: string; port: string } | null {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value.trim().toLowerCase());
  if (!m) return null;
  return { name: m[1]!.replace(/\.$/, ''), port: m[2] ?? '' };
}

/** True for a `host` or `host:port` entry of CAIRN_ALLOWED_HOSTS. */
export function isHostEntry(entry: string): boolean {
  return splitHost(entry) !== null;
}

export function createHostCheck(allowed: AllowedHosts): (host: string | undefined) => boolean {
  if (allowed === '*') return () => true;
  const entries = allowed.map((entry) => {
    const parsed = splitHost(entry);
    if (!parsed) throw new Error(`CAIRN_ALLOWED_HOSTS: "${entry}" is not a host or host:port`);
    return parsed;
  });
  return (host) => {
    if (host === undefined) return false;
    const h = splitHost(host);
    if (!h) return false;
    if (isLoopbackName(h.name)) return true;
    return entries.some((e) => e.name === h.name && (e.port === '' || e.port === h.port));
  };
}

/** Answers 421 HOST_NOT_ALLOWED for a request whose Host is not served, or returns null. */
export function createHostRefusal(hostAllowed: (host: string | undefined) => boolean, refused: () => void) {
  return (req: FastifyRequest, reply: FastifyReply): FastifyReply | null => {
    if (hostAllowed(req.headers.host)) return null;
    refused();
    return reply.code(421).header('connection', 'close').send(errorBody('HOST_NOT_ALLOWED'));
  };
}

/** Runs the refusal before routing answers anything: the first onRequest hook, for every route and 404. */
export function registerHostCheck(app: FastifyInstance, refusal: ReturnType<typeof createHostRefusal>): void {
  app.addHook('onRequest', async (req, reply) => refusal(req, reply) ?? undefined);
}
