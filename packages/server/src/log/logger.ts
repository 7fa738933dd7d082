/**
 * The three log levels the server's stages write to. buildServer hands createSyncNode Fastify's pino
 * logger behind this shape (a silent one when none is given), so stages never import pino. It lives in
 * log/, not session/: the read model and the node log through it too, and while it sat in
 * session/context.ts, metrics/ → readmodel/updater → session/context → commit/ → metrics/ was a cycle.
 */
export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
