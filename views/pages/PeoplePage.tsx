import { PeopleList, type SidebarData } from "../components/Sidebar.tsx";
import { AppShell } from "../layouts/AppShell.tsx";
import type { PageContext } from "../page-context.ts";
import type { User } from "../../src/db/repository.ts";

/** Everyone on the server; each opens the direct thread with that person. */
export function PeoplePage({
  ctx,
  sidebar,
  people,
}: {
  ctx: PageContext;
  sidebar: SidebarData;
  people: (User & { online: boolean })[];
}) {
  return (
    <AppShell ctx={ctx} title="People" sidebar={sidebar}>
      <main class="home">
        <h1>People</h1>
        <PeopleList people={people} directs={sidebar.directs} />
        {people.length > 1 ? (
          <form method="post" action="/dm" class="start-group">
            <fieldset>
              <legend>Start a group conversation</legend>
              {people.map((p) => (
                <label class="checkbox">
                  <input type="checkbox" name="usernames" value={p.username} /> <span safe>{p.username}</span>
                </label>
              ))}
            </fieldset>
            <button type="submit">Start conversation</button>
          </form>
        ) : null}
      </main>
    </AppShell>
  );
}
