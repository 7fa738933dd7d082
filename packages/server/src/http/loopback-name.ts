/**
 * Loopback names, shared by the Host allowlist (S8) and the dev-mode Origin rule (S2): `localhost`,
 * `*.localhost` (RFC 6761: browsers resolve these to loopback themselves and never ask DNS, so no
 * rebinding page can make a browser send one for the attacker's domain), 127.0.0.0/8 and [::1].
 * `localhost.evil.com` is not one.
 */
export function isLoopbackName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return n === 'localhost' || /^[a-z0-9-]+(\.[a-z0-9-]+)*\.localhost$/.test(n) || n === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(n);
}
