// Pub/sub topic names, in one place.
export const wireFormats = ["html", "json"] as const;
export type WireFormat = (typeof wireFormats)[number];

export const topics = {
  /** Everyone with the thread open in one wire format. */
  thread: (threadId: number, format: WireFormat) => `thread:${threadId}:${format}`,
  /** Every socket of one person on this instance, in one wire format: their counts. */
  person: (userId: number, format: WireFormat) => `user:${userId}:${format}`,
} as const;
