// Pub/sub topic names, in one place.
export type WireFormat = "html" | "json";

export const topics = {
  /** Everyone with the thread open in one wire format. */
  thread: (threadId: number, format: WireFormat) => `thread:${threadId}:${format}`,
  /** Every socket of one user (to close them when the session ends). */
  user: (userId: number) => `user:${userId}`,
} as const;
