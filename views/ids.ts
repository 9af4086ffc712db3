// Every DOM id the server renders or targets, so pages and pushed fragments agree.
export const ids = {
  threadLog: (threadId: number) => `log-${threadId}`,
  message: (messageId: number) => `m-${messageId}`,
  game: (gameId: number) => `game-${gameId}`,
  olderLoader: (threadId: number) => `older-${threadId}`,
  presence: (threadId: number) => `presence-${threadId}`,
  typing: (threadId: number) => `typing-${threadId}`,
  composer: (threadId: number) => `composer-${threadId}`,
  composerError: (threadId: number) => `composer-error-${threadId}`,
  connection: (threadId: number) => `connection-${threadId}`,
  resumePoint: (threadId: number) => `resume-${threadId}`,
  peopleList: "people",
  roomList: "rooms",
  fieldError: (field: string) => `${field}-error`,
} as const;
