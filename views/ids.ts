// Every DOM id the server renders or targets, so pages and pushed fragments agree.
export const ids = {
  /** The list of a thread's messages (inside the element with role="log"): live pushes append to it. */
  threadLog: (threadId: number) => `log-${threadId}`,
  message: (messageId: number) => `m-${messageId}`,
  /** The text field of a message being edited. */
  messageEditor: (messageId: number) => `edit-${messageId}`,
  game: (gameId: number) => `game-${gameId}`,
  olderLoader: (threadId: number) => `older-${threadId}`,
  /** The "load newer" control last in the log of a window around a found message. */
  newerLoader: (threadId: number) => `newer-${threadId}`,
  presence: (threadId: number) => `presence-${threadId}`,
  typing: (threadId: number) => `typing-${threadId}`,
  composer: (threadId: number) => `composer-${threadId}`,
  /** The composer's text field. */
  composerBody: (threadId: number) => `message-${threadId}`,
  composerError: (threadId: number) => `composer-error-${threadId}`,
  /** The composer's file input (Attach file). */
  composerFiles: (threadId: number) => `attach-${threadId}`,
  /** The people @ offers in the composer. */
  mentionOptions: (threadId: number) => `mention-options-${threadId}`,
  /** Above the composer: the message it answers. */
  replying: (threadId: number) => `replying-${threadId}`,
  /** The one emoji picker of a thread page, moved to the message whose React was pressed. */
  reactionPicker: "reaction-picker",
  connection: (threadId: number) => `connection-${threadId}`,
  resumePoint: (threadId: number) => `resume-${threadId}`,
  /** The search field in the top bar of every signed-in page, its live results, and the search page's results. */
  searchField: "search-q",
  searchLive: "search-live",
  searchResults: "search-results",
  /** The "More results" control at the end of a page of results. */
  searchMore: "search-more",
  peopleList: "people",
  /** A person in the sidebar's list. */
  person: (userId: number) => `person-${userId}`,
  /** What is new in a thread, inside its sidebar link. */
  counts: (threadId: number) => `counts-${threadId}`,
  roomList: "rooms",
  /** The sidebar's archived rooms, listed apart. */
  archivedRoomList: "archived-rooms",
  /** The sidebar's Private checkbox for a new room. */
  roomPrivate: "room-private",
  /** A room page's list of its people, and the field to add someone by username. */
  roomPeople: (threadId: number) => `room-people-${threadId}`,
  addPerson: (threadId: number) => `add-person-${threadId}`,
  /** The usernames the Add people field suggests. */
  personSuggestions: (threadId: number) => `people-suggestions-${threadId}`,
  /** The sidebar's field for a new room's name. */
  roomName: "room-name",
  /** A form field of the sign-in, sign-up and account pages: its name. */
  field: (name: string) => name,
  fieldError: (field: string) => `${field}-error`,
} as const;
