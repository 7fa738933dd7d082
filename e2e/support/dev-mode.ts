/**
 * isolatedEnv's environment (real Postgres schema + Redis prefix) without its auth secret: the server runs
 * in dev mode, where the demo page connects anonymously with read+write, as `npm start` does.
 */
export function devModeEnv(env: Record<string, string>): Record<string, string> {
  return { ...env, CAIRN_AUTH_SECRET: '' };
}
