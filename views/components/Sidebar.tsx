import type { Counts } from "../../src/chat/reading.service.ts";
import type { RoomListing, ThreadView } from "../../src/chat/threads.service.ts";
import type { User } from "../../src/db/repository.ts";
import { ids } from "../ids.ts";
import type { FormLimits } from "../page-context.ts";

export interface SidebarData {
  rooms: RoomListing[];
  /** ROOM_CREATION: whether the viewer may create rooms (the form is shown only then). */
  mayCreateRooms?: boolean;
  /** The first few people (the viewer left out): those one talks to, then who is online. */
  people: (User & { online: boolean })[];
  /** Everyone but the viewer. */
  peopleCount: number;
  directs: ThreadView[];
  /** Group conversations (direct threads of three or more), named by their other members. */
  groups?: ThreadView[];
  /** The viewer administers the server: the sidebar links to /admin. */
  isAdmin?: boolean;
  /** What is new in each of the viewer's threads. */
  counts: Map<number, Counts>;
  currentThreadId?: number;
  roomError?: string;
  roomName?: string;
  /** The Private checkbox as the failed form had it. */
  roomPrivate?: boolean;
}

/** Unread messages of threads that are not muted: the number the page's title starts with. */
export const unreadTotal = (counts: Map<number, Counts>) =>
  [...counts.values()].reduce((sum, c) => sum + (c.level === "none" ? 0 : c.unread), 0);

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** What a thread's link adds to its name: ", 3 unread, 1 mention", or nothing when nothing is unread. */
export function countsSaid(counts: Counts | undefined): string {
  const unread = counts?.unread ?? 0;
  const mentions = counts?.mentions ?? 0;
  return unread > 0 ? `, ${unread} unread${mentions > 0 ? `, ${plural(mentions, "mention")}` : ""}` : "";
}

/**
 * A link to a thread, named by its label and its counts in one aria-label ("general, 3 unread"): a
 * name built from the link's parts would get spaces between them. whats-new.js renames it when new
 * counts are pushed (`data-label` is the part that stays).
 */
const threadLinkName = (label: string, counts: Counts | undefined) => ({
  "aria-label": `${label}${countsSaid(counts)}`,
  "data-label": label,
});

/**
 * What is new in a thread, inside its link: said in the link's name ("general, 3 unread, 1 mention")
 * and shown as badges (none for a muted thread: it is only bold). Pushed again whenever it changes.
 */
export function ThreadCounts({ threadId, counts, oob }: { threadId: number; counts: Counts | undefined; oob?: boolean }) {
  const unread = counts?.unread ?? 0;
  const mentions = counts?.mentions ?? 0;
  const muted = counts?.level === "none";
  return (
    <span
      id={ids.counts(threadId)}
      class="counts"
      data-unread={String(unread)}
      data-mentions={String(mentions)}
      data-said={countsSaid(counts)}
      data-muted={muted ? "" : undefined}
      hx-swap-oob={oob ? "true" : undefined}
    >
      {unread > 0 && !muted ? (
        <span class="badge" aria-hidden="true">
          {unread}
        </span>
      ) : null}
      {mentions > 0 && !muted ? (
        <span class="badge mention" aria-hidden="true">
          @{mentions}
        </span>
      ) : null}
    </span>
  );
}

/** A person, as a link that opens (or creates) the direct thread with them, with whether they are online and what is new. */
export function PersonItem({
  person,
  threadId,
  counts,
  current,
}: {
  person: User & { online: boolean };
  /** The direct thread with them, once there is one. */
  threadId: number | undefined;
  counts: Counts | undefined;
  current: boolean;
}) {
  return (
    <li id={ids.person(person.id)}>
      <a
        href={`/dm/${encodeURIComponent(person.username)}`}
        aria-current={current ? "page" : undefined}
        {...threadLinkName(`${person.username}${person.online ? " (online)" : ""}`, counts)}
      >
        <span class={person.online ? "dot online" : "dot"} title={person.online ? "online" : "offline"} />
        <span class="name" safe>
          {person.username}
        </span>
        {person.online ? <span class="visually-hidden"> (online)</span> : null}
        {threadId !== undefined ? <ThreadCounts threadId={threadId} counts={counts} /> : null}
      </a>
    </li>
  );
}

/** People as links that open (or create) the direct thread with each, with who is online and what is new. */
export function PeopleList({
  people,
  directs,
  counts,
  currentThreadId,
  id,
}: {
  people: (User & { online: boolean })[];
  directs: ThreadView[];
  counts?: Map<number, Counts>;
  currentThreadId?: number;
  id?: string;
}) {
  return (
    <ul id={id} class="people">
      {people.map((person) => {
        const thread = directs.find((d) => d.name === person.username);
        return (
          <PersonItem
            person={person}
            threadId={thread?.id}
            counts={thread ? counts?.get(thread.id) : undefined}
            current={thread !== undefined && thread.id === currentThreadId}
          />
        );
      })}
    </ul>
  );
}

export function Sidebar({ data, limits }: { data: SidebarData; limits: FormLimits }) {
  const current = (id: number) => (id === data.currentThreadId ? "page" : undefined);
  return (
    <nav class="sidebar" aria-label="Threads">
      <section>
        <h2>Rooms</h2>
        <ul id={ids.roomList} class="rooms">
          {data.rooms
            .filter((room) => !room.archived)
            .map((room) => (
              <li>
                {room.joined ? (
                  <a
                    href={`/t/${room.id}`}
                    aria-current={current(room.id)}
                    {...threadLinkName(room.name, data.counts.get(room.id))}
                  >
                    <span aria-hidden="true"># </span>
                    <span class="name" safe>
                      {room.name}
                    </span>
                    {room.private ? <span class="private-mark">private</span> : null}
                    <ThreadCounts threadId={room.id} counts={data.counts.get(room.id)} />
                  </a>
                ) : (
                  <form method="post" action={`/rooms/${room.id}/join`} class="join">
                    <span class="muted">
                      # <span safe>{room.name}</span>
                    </span>
                    <button type="submit" class="link" aria-label={`Join ${room.name}`}>
                      Join
                    </button>
                  </form>
                )}
              </li>
            ))}
        </ul>
        {data.rooms.some((room) => room.archived && room.joined) ? (
          <details class="archived-rooms">
            <summary>Archived rooms</summary>
            <ul id={ids.archivedRoomList} class="rooms">
              {data.rooms
                .filter((room) => room.archived && room.joined)
                .map((room) => (
                  <li>
                    <a href={`/t/${room.id}`} aria-current={current(room.id)}>
                      <span aria-hidden="true"># </span>
                      <span safe>{room.name}</span>
                    </a>
                  </li>
                ))}
            </ul>
          </details>
        ) : null}
        {data.mayCreateRooms === false ? null : (
          <form method="post" action="/rooms" class="create-room">
            <label for={ids.roomName}>Room name</label>
            <div class="inline">
              <input
                id={ids.roomName}
                name="name"
                required
                maxlength={limits.roomNameMax}
                value={data.roomName}
                aria-invalid={data.roomError ? "true" : undefined}
                aria-describedby={data.roomError ? ids.fieldError(ids.roomName) : undefined}
              />
              <button type="submit">Create room</button>
            </div>
            <label class="checkbox" for={ids.roomPrivate}>
              <input type="checkbox" id={ids.roomPrivate} name="private" value="on" checked={data.roomPrivate} /> Private
            </label>
            {data.roomError ? (
              <p class="field-error" id={ids.fieldError(ids.roomName)} role="alert" safe>
                {data.roomError}
              </p>
            ) : null}
          </form>
        )}
      </section>
      {data.groups && data.groups.length > 0 ? (
        <section>
          <h2>Conversations</h2>
          <ul class="rooms">
            {data.groups.map((g) => (
              <li>
                <a href={`/t/${g.id}`} aria-current={current(g.id)} {...threadLinkName(g.name, data.counts.get(g.id))}>
                  <span class="name" safe>
                    {g.name}
                  </span>
                  <ThreadCounts threadId={g.id} counts={data.counts.get(g.id)} />
                </a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section>
        <h2>People</h2>
        <PeopleList
          people={data.people}
          directs={data.directs}
          counts={data.counts}
          currentThreadId={data.currentThreadId}
          id={ids.peopleList}
        />
        {data.peopleCount > data.people.length ? (
          <p class="all-people">
            <a href="/people">All people ({data.peopleCount})</a>
          </p>
        ) : null}
      </section>
      {data.isAdmin ? (
        <p class="all-people">
          <a href="/admin">Administration</a>
        </p>
      ) : null}
      <section class="notifications">
        {/* whats-new.js shows it where the browser can notify; permission is asked on a press, never on load. */}
        <button type="button" id="enable-notifications" class="link" hidden>
          Enable notifications
        </button>
        <p id="notify-state" class="muted" role="status" />
        {/* Messages worth a notification arrive here (pushed to this person's pages), and whats-new.js shows them. */}
        <div id="notify-queue" hidden />
      </section>
    </nav>
  );
}
