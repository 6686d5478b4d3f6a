/**
 * The WebSocket close codes of the reference service's protocol (re-exported by protocol.ts). A module of
 * their own, with no schema library, so the validator's k6 bundle can import them cheaply.
 */
/** Close codes the service uses. */
export const CloseCode = {
  /** Normal closure requested by the client. */
  normal: 1000,
  /** Graceful shutdown: the pod is draining; reconnect with resume. */
  goingAway: 1001,
  /** Unauthenticated upgrade: missing, malformed, unknown or expired session cookie. */
  unauthorized: 4401,
  /** A frame that is not valid JSON or not a valid ClientMessage. */
  badFrame: 4400,
  /** The server could not start the feed for this socket (e.g. Redis unavailable): reconnect with lastId. */
  unavailable: 1011,
} as const;
