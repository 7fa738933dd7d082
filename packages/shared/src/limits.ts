/** Default limits (S3). The server may be configured lower or higher; the client learns them at welcome. */
export const DEFAULT_LIMITS = {
  /** Largest frame accepted on either endpoint (ws `maxPayload`). */
  maxPayload: 1024 * 1024,
  /**
   * Largest single update a push may carry (A3). An update whose push frame would exceed maxPayload goes
   * in `push-part` fragments, reassembled by the server up to this many bytes, one assembly per socket.
   */
  maxUpdateBytes: 32 * 1024 * 1024,
  /**
   * Bytes the incomplete fragmented pushes of all sockets of one node may hold together (server only, not
   * stated in welcome); past it a new one gets OVERLOADED (retryable).
   */
  maxAssemblyBytesPerNode: 256 * 1024 * 1024,
  /** Frames a socket may send before its hello is answered; more close the socket. */
  maxPreAuthFrames: 4,
  /** Bytes a socket may send before its hello is answered (all frames together); more destroy the socket. */
  maxPreAuthBytes: 64 * 1024,
  /** Milliseconds a socket has to send hello. */
  helloTimeoutMs: 10_000,
  /** Docs one socket may hold subscriptions to at once. */
  maxDocsPerSocket: 256,
  /** Subs per second per socket (token bucket; the burst holds a resubscribe of maxDocsPerSocket docs). */
  maxSubsPerSecond: 200,
  /** Room loads one socket may have queued or running at once; its further cold subs wait their turn. */
  maxLoadsPerSocket: 4,
  /** Pushes per second per socket (token bucket, burst = 2x). */
  maxPushesPerSecond: 2000,
  /** Bytes queued for a socket that does not read; past this the socket is closed (SLOW_CONSUMER). */
  maxBufferedBytes: 8 * 1024 * 1024,
  /** Presence (awareness) messages per second per socket (token bucket, burst = 2x); more are dropped (P2, S7). */
  maxPresencePerSecond: 30,
  /** UTF-8 bytes of one awareness state's JSON; a larger one is INVALID_PRESENCE. */
  maxPresenceStateBytes: 4096,
  /** Nesting of arrays and objects in one awareness state: JSON.stringify recurses, so a deeper state could
   *  not be encoded again for relay or for a joiner (S6). */
  maxPresenceDepth: 16,
  /** Entries (Yjs clientIDs) in one awareness update a client sends. */
  maxPresenceEntries: 16,
  /** Pose frames (P4) per second per socket (token bucket, burst = 2x): a 90 Hz display plus cell changes. More are dropped. */
  maxPosesPerSecond: 120,
  /** UTF-8 bytes of the app-defined JSON state in one presence record (P4); a larger one is INVALID_PRESENCE. */
  maxPresenceAppStateBytes: 1024,
  /** A peer with no presence record for this long is gone (P4); a device renews its record at least every
   *  presenceKeepaliveMs, so only a lost device or node goes quiet this long. */
  presenceTimeoutMs: 5000,
  /** Longest a device leaves its presence unsent while it is present (the keepalive carries its poses; the app
   *  state goes only when it changes, and joiners get it from the room's cache). */
  presenceKeepaliveMs: 1000,
  /** Interval of the client's ping; the server closes a socket silent for 3x this. */
  heartbeatMs: 10_000,
} as const;
