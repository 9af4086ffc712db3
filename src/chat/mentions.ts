// Whom a message mentions: the members named with @username (any case), and for @here in a room,
// every member who is online. Looked up when the message is written, so that counts and notifications
// read rows instead of parsing bodies.
import { type Mentioned, noMentions, type Repository, type Thread } from "../db/repository.ts";
import { mentionCandidates } from "./formatting.ts";

/** The ids of everyone online, on any instance. */
export type WhoIsOnline = () => Promise<ReadonlySet<number>>;

export async function mentionsIn(repo: Repository, thread: Thread, body: string, online: WhoIsOnline): Promise<Mentioned> {
  const candidates = mentionCandidates(body);
  if (candidates.size === 0) return noMentions;
  const here = candidates.delete("here") && thread.kind === "room";
  const named = await repo.reading.membersNamed(thread.id, [...candidates]);
  const reached = new Set(named.map((user) => user.id));
  if (here) {
    const [everyone, members] = await Promise.all([online(), repo.threads.members(thread.id)]);
    for (const member of members) if (everyone.has(member.id)) reached.add(member.id);
  }
  return { named, userIds: [...reached] };
}
