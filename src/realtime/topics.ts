// Pub/sub topic names, in one place.
export const wireFormats = ["html", "json"] as const;
export type WireFormat = (typeof wireFormats)[number];

export const topics = {
  /** Everyone with the thread open in one wire format. */
  thread: (threadId: number, format: WireFormat) => `thread:${threadId}:${format}`,
} as const;
