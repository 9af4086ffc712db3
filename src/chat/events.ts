// What happens in a thread, as carried by the Broker to every instance.
import type { Game, Message, NotificationLevel, User } from "../db/repository.ts";

/** Every event with a message or a game is a change, numbered by the thread's rev (message.rev, game.rev). */
export type ChatEvent =
  /** `mentioned`: everyone the message mentions, by name or as one of those online for @here. */
  | { type: "message"; threadId: number; message: Message; mentioned?: number[] }
  | { type: "edited"; threadId: number; message: Message; mentioned?: number[] }
  /** `message` is the stored row after deletion (body ""), so a page can show the placeholder. */
  | { type: "deleted"; threadId: number; message: Message }
  /** `source` names the connection that typed, so it is not told about itself. */
  | { type: "typing"; threadId: number; user: User; source?: string }
  /** A game started or changed. */
  | { type: "game"; threadId: number; game: Game }
  /** Rendered locally from the PresenceDirectory; never sent through the Broker. */
  | { type: "presence"; threadId: number; online: User[] };

/** A session (or, with sessionId null, every session of the user) ended: its sockets close everywhere. */
export interface SessionEnded {
  type: "session-ended";
  userId: number;
  sessionId: string | null;
  /** With sessionId null: the one session that stays (the one that changed the password). */
  except?: string;
}

/** What is new for one person changed other than by a message: they read, changed a level, or joined. */
export type ReadingEvent =
  | { type: "read"; userId: number; threadId: number; lastReadSeq: number }
  | { type: "level"; userId: number; threadId: number; level: NotificationLevel | null }
  /** A new member of a thread (who joined a room, or both people of a new direct thread). */
  | { type: "joined"; userId: number; threadId: number };

/** Someone is no longer a member of a thread (they left or were removed): their sockets on it close everywhere. */
export interface MembershipEnded {
  type: "membership-ended";
  userId: number;
  threadId: number;
}

/** An account was banned or its ban lifted: what each instance keeps of messages shows their author as they are now. */
export interface UserBanned {
  type: "user-banned";
  userId: number;
}

export type BrokerEvent = ChatEvent | SessionEnded | ReadingEvent | MembershipEnded | UserBanned;

/** Carries events between the services and every instance's fan-out. */
export interface Broker {
  publish(event: BrokerEvent): void;
  /** Every published event, including this instance's own. Returns a function that unsubscribes. */
  subscribe(handler: (event: BrokerEvent) => void): () => void;
  /** Called when events may have been lost (the broker reconnected): read the database for what was missed. */
  onResync(handler: () => void): void;
  /** Null when healthy, else why not (for /healthz). */
  problem(): string | null;
  close(): Promise<void>;
}
