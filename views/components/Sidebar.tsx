import type { RoomListing, ThreadView } from "../../src/chat/threads.service.ts";
import type { User } from "../../src/db/repository.ts";
import { ids } from "../ids.ts";
import type { FormLimits } from "../page-context.ts";

export interface SidebarData {
  rooms: RoomListing[];
  /** The first few people (the viewer left out): those one talks to, then who is online. */
  people: (User & { online: boolean })[];
  /** Everyone but the viewer. */
  peopleCount: number;
  directs: ThreadView[];
  currentThreadId?: number;
  roomError?: string;
  roomName?: string;
}

/** People as links that open (or create) the direct thread with each, with who is online. */
export function PeopleList({
  people,
  directs,
  currentThreadId,
  id,
}: {
  people: (User & { online: boolean })[];
  directs: ThreadView[];
  currentThreadId?: number;
  id?: string;
}) {
  return (
    <ul id={id} class="people">
      {people.map((person) => {
        const thread = directs.find((d) => d.name === person.username);
        return (
          <li>
            <a
              href={`/dm/${encodeURIComponent(person.username)}`}
              aria-current={thread && thread.id === currentThreadId ? "page" : undefined}
            >
              <span class={person.online ? "dot online" : "dot"} title={person.online ? "online" : "offline"} />
              <span safe>{person.username}</span>
              {person.online ? <span class="visually-hidden"> (online)</span> : null}
            </a>
          </li>
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
          {data.rooms.map((room) => (
            <li>
              {room.joined ? (
                <a href={`/t/${room.id}`} aria-current={current(room.id)}>
                  # <span safe>{room.name}</span>
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
          {data.roomError ? (
            <p class="field-error" id={ids.fieldError(ids.roomName)} role="alert" safe>
              {data.roomError}
            </p>
          ) : null}
        </form>
      </section>
      <section>
        <h2>People</h2>
        <PeopleList people={data.people} directs={data.directs} currentThreadId={data.currentThreadId} id={ids.peopleList} />
        {data.peopleCount > data.people.length ? (
          <p class="all-people">
            <a href="/people">All people ({data.peopleCount})</a>
          </p>
        ) : null}
      </section>
    </nav>
  );
}
