// Pub/sub topic names, in one place.
export type WireFormat = "html" | "json";

export const topics = {
  /** Everyone with the thread open in one wire format. */
  thread: (threadId: number, format: WireFormat) => `thread:${threadId}:${format}`,
} as const;
