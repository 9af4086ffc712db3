import type { RoomListing, ThreadView } from "../../src/chat/threads.service.ts";
import type { User } from "../../src/db/repository.ts";
import { ids } from "../ids.ts";

export interface SidebarData {
  rooms: RoomListing[];
  people: (User & { online: boolean })[];
  directs: ThreadView[];
  currentThreadId?: number;
  roomError?: string;
  roomName?: string;
}

export function Sidebar({ data, viewer }: { data: SidebarData; viewer: User }) {
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
          <label for="room-name">Room name</label>
          <div class="inline">
            <input
              id="room-name"
              name="name"
              required
              maxlength={64}
              value={data.roomName}
              aria-invalid={data.roomError ? "true" : undefined}
              aria-describedby={data.roomError ? ids.fieldError("room-name") : undefined}
            />
            <button type="submit">Create room</button>
          </div>
          {data.roomError ? (
            <p class="field-error" id={ids.fieldError("room-name")} role="alert" safe>
              {data.roomError}
            </p>
          ) : null}
        </form>
      </section>
      <section>
        <h2>People</h2>
        <ul id={ids.peopleList} class="people">
          {data.people
            .filter((person) => person.id !== viewer.id)
            .map((person) => {
              const thread = data.directs.find((d) => d.name === person.username);
              return (
                <li>
                  <a href={`/dm/${encodeURIComponent(person.username)}`} aria-current={thread ? current(thread.id) : undefined}>
                    <span class={person.online ? "dot online" : "dot"} title={person.online ? "online" : "offline"} />
                    <span safe>{person.username}</span>
                    {person.online ? <span class="visually-hidden"> (online)</span> : null}
                  </a>
                </li>
              );
            })}
        </ul>
      </section>
    </nav>
  );
}
