import type { InviteView, ResetLink } from "../../src/chat/admin.service.ts";
import type { AccountListing, AuditEntry, Thread } from "../../src/db/repository.ts";
import type { SidebarData } from "../components/Sidebar.tsx";
import { AppShell } from "../layouts/AppShell.tsx";
import type { PageContext } from "../page-context.ts";

export interface AdminPageData {
  settings: { signup: string; roomCreation: string; maxSocketsPerUser: number };
  search: string;
  people: AccountListing[];
  rooms: Thread[];
  invites: InviteView[];
  audit: AuditEntry[];
  /** What the last action made: a reset link or an invitation, to copy from the page. */
  made?: { resetLink?: ResetLink & { username: string }; invite?: InviteView };
  error?: string;
}

/** A plain form with one button: each action works without JavaScript. */
function Action({ action, label, name }: { action: string; label: string; name?: string }) {
  return (
    <form method="post" action={action} class="inline-action">
      <button type="submit" class="link" aria-label={name} safe>
        {label}
      </button>
    </form>
  );
}

const statusOf = (p: AccountListing) =>
  [p.isAdmin && "administrator", p.banned ? "banned" : p.disabled && "disabled"].filter(Boolean).join(", ") || "active";

/** Administration: the settings in force, people, rooms, invitations and the audit log. */
export function AdminPage({ ctx, sidebar, data }: { ctx: PageContext; sidebar: SidebarData; data: AdminPageData }) {
  const user = (username: string) => `/admin/users/${encodeURIComponent(username)}`;
  return (
    <AppShell ctx={ctx} title="Administration" sidebar={sidebar}>
      <main class="home admin">
        <h1>Administration</h1>
        {data.error ? (
          <p class="form-error" role="alert" safe>
            {data.error}
          </p>
        ) : null}
        {data.made?.resetLink ? (
          <p class="made" role="status">
            Reset link for <span safe>{data.made.resetLink.username}</span> (one use, until{" "}
            <span safe>{data.made.resetLink.expiresAt}</span>): <code safe>{data.made.resetLink.url}</code>
          </p>
        ) : null}
        {data.made?.invite ? (
          <p class="made" role="status">
            New invitation: <code safe>{data.made.invite.url}</code>
          </p>
        ) : null}

        <section aria-labelledby="admin-settings">
          <h2 id="admin-settings">Settings in force</h2>
          <dl class="settings">
            <dt>SIGNUP</dt>
            <dd safe>{data.settings.signup}</dd>
            <dt>ROOM_CREATION</dt>
            <dd safe>{data.settings.roomCreation}</dd>
            <dt>MAX_SOCKETS_PER_USER</dt>
            <dd safe>{String(data.settings.maxSocketsPerUser)}</dd>
          </dl>
        </section>

        <section aria-labelledby="admin-people">
          <h2 id="admin-people">People</h2>
          <form method="get" action="/admin" class="admin-search">
            <label for="admin-q">Find people</label>
            <input id="admin-q" name="q" value={data.search} />
            <button type="submit">Find</button>
          </form>
          <table>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.people.map((p) => (
                <tr>
                  <td safe>{p.username}</td>
                  <td safe>{statusOf(p)}</td>
                  <td class="actions-cell">
                    {p.disabled && !p.banned ? (
                      <Action action={`${user(p.username)}/enable`} label="Enable" name={`Enable ${p.username}`} />
                    ) : p.banned ? null : (
                      <Action action={`${user(p.username)}/disable`} label="Disable" name={`Disable ${p.username}`} />
                    )}
                    {p.banned ? (
                      <Action action={`${user(p.username)}/unban`} label="Unban" name={`Unban ${p.username}`} />
                    ) : (
                      <Action action={`${user(p.username)}/ban`} label="Ban" name={`Ban ${p.username}`} />
                    )}
                    {p.isAdmin ? (
                      <Action
                        action={`${user(p.username)}/revoke-admin`}
                        label="Revoke admin"
                        name={`Revoke admin ${p.username}`}
                      />
                    ) : (
                      <Action action={`${user(p.username)}/make-admin`} label="Make admin" name={`Make admin ${p.username}`} />
                    )}
                    <Action action={`${user(p.username)}/reset-link`} label="Reset link" name={`Reset link for ${p.username}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>

        <section aria-labelledby="admin-rooms">
          <h2 id="admin-rooms">Rooms</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Room</th>
                <th scope="col">Kind</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.rooms.map((r) => (
                <tr>
                  <td safe>{r.name ?? ""}</td>
                  <td safe>{[r.private ? "private" : "public", r.archived && "archived"].filter(Boolean).join(", ")}</td>
                  <td>
                    {r.archived ? (
                      <Action action={`/admin/rooms/${r.id}/unarchive`} label="Unarchive" name={`Unarchive ${r.name ?? ""}`} />
                    ) : (
                      <Action action={`/admin/rooms/${r.id}/archive`} label="Archive" name={`Archive ${r.name ?? ""}`} />
                    )}
                    <Action action={`/admin/rooms/${r.id}/delete`} label="Delete" name={`Delete ${r.name ?? ""}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>

        <section aria-labelledby="admin-invites">
          <h2 id="admin-invites">Invitations</h2>
          <form method="post" action="/admin/invites" class="invite-form">
            <label for="invite-uses">Uses</label>
            <input id="invite-uses" name="maxUses" type="number" min="1" max="10000" value="1" required />
            <label for="invite-hours">Valid for hours</label>
            <input id="invite-hours" name="expiresInHours" type="number" min="1" max="8760" value="72" required />
            <button type="submit">Create invitation</button>
          </form>
          <table>
            <thead>
              <tr>
                <th scope="col">Link</th>
                <th scope="col">Used</th>
                <th scope="col">Expires</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.invites.map((i) => (
                <tr>
                  <td>
                    <code safe>{i.url}</code>
                  </td>
                  <td safe>{`${i.uses} of ${i.maxUses}`}</td>
                  <td safe>{i.revoked ? "revoked" : i.expiresAt}</td>
                  <td>
                    {i.revoked ? null : (
                      <Action
                        action={`/admin/invites/${encodeURIComponent(i.code)}/revoke`}
                        label="Revoke"
                        name="Revoke invitation"
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>

        <section aria-labelledby="admin-audit">
          <h2 id="admin-audit">Audit log</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">On</th>
              </tr>
            </thead>
            <tbody>
              {data.audit.map((e) => (
                <tr>
                  <td>
                    <time datetime={e.at} safe>
                      {e.at}
                    </time>
                  </td>
                  <td safe>{e.actor?.username ?? "(command line)"}</td>
                  <td safe>{e.action}</td>
                  <td safe>{e.target}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </main>
    </AppShell>
  );
}
