// What the signed-in pages show: the page context, the sidebar, and a thread page's data. Each gathers
// its reads side by side where they do not depend on one another, and reads nothing twice.
import type { SidebarData } from "../../views/components/Sidebar.tsx";
import type { ThreadPageData } from "../../views/pages/ThreadPage.tsx";
import type { RenderMessage } from "../../views/message-html.tsx";
import type { PageContext } from "../../views/page-context.ts";
import type { AccountsService } from "../chat/accounts.service.ts";
import { effectiveLevel } from "../chat/reading.service.ts";
import type { GamesService } from "../chat/games.service.ts";
import type { MessagesService } from "../chat/messages.service.ts";
import type { ReadingService } from "../chat/reading.service.ts";
import type { OwnThread, ThreadsService } from "../chat/threads.service.ts";
import { limits } from "../chat/validation.ts";
import type { User } from "../db/repository.ts";
import type { Hub } from "../realtime/hub.ts";
import type { AssetUrls } from "./assets.ts";

export interface PageDataDeps {
  accounts: AccountsService;
  threads: ThreadsService;
  messages: MessagesService;
  reading: ReadingService;
  games: GamesService;
  hub: Hub;
  assets: AssetUrls;
  render: RenderMessage;
  /** MAX_UPLOAD_MB in bytes: the composer refuses a larger file before sending it. */
  maxUploadBytes: number;
}

/** A window around a found message: this many messages on each side of it. */
const aroundSide = 25;

/** How many people the sidebar lists; /people has them all. */
const sidebarPeople = 30;
/** Online people considered for the sidebar: enough to fill it, however many are online. */
const onlineConsidered = 500;

const formLimits = {
  usernameMax: limits.usernameMax,
  passwordMax: limits.passwordMax,
  bodyMax: limits.bodyMax,
  roomNameMax: limits.roomNameMax,
};

export function pageData({ accounts, threads, messages, reading, games, hub, assets, render, maxUploadBytes }: PageDataDeps) {
  const pageLimits = { ...formLimits, uploadMax: maxUploadBytes };
  const context = (viewer: User | null): PageContext => ({ viewer, assets, limits: pageLimits });

  /**
   * The people one talks to first, then who is online, then everyone else, each by name: the first
   * few only, read as such (a page must not read every account there is).
   */
  async function peopleFor(viewer: User, directs: (OwnThread & { unread: number })[], online: Set<number>) {
    // Those with something new first.
    const talkedTo = directs
      .filter((d) => d.peer && d.peer.id !== viewer.id)
      .sort((a, b) => Number(b.unread > 0) - Number(a.unread > 0) || (a.peer!.username < b.peer!.username ? -1 : 1))
      .map((d) => d.peer!)
      .slice(0, sidebarPeople);
    const chosen = new Set([viewer.id, ...talkedTo.map((p) => p.id)]);
    const onlineIds = [...online].filter((id) => !chosen.has(id)).slice(0, onlineConsidered);
    const room = sidebarPeople - talkedTo.length;
    const onlineNow = room > 0 && onlineIds.length > 0 ? (await accounts.usersByIds(onlineIds)).slice(0, room) : [];
    for (const p of onlineNow) chosen.add(p.id);
    const left = room - onlineNow.length;
    // The first by name, enough of them to fill the rest after leaving out those already chosen or online.
    const rest =
      left > 0
        ? (await accounts.firstUsers(left + chosen.size + Math.min(online.size, onlineConsidered)))
            .filter((p) => !chosen.has(p.id) && !online.has(p.id))
            .slice(0, left)
        : [];
    return [...talkedTo, ...onlineNow, ...rest].map((p) => ({ ...p, online: online.has(p.id) }));
  }

  async function sidebar(viewer: User, extra: Partial<SidebarData> = {}): Promise<SidebarData> {
    const [mine, online, everyone, isAdmin] = await Promise.all([
      reading.threads(viewer.id),
      hub.onlineUserIds(),
      accounts.countUsers(),
      threads.isAdmin(viewer.id),
    ]);
    const mayCreateRooms = isAdmin || (await threads.mayCreateRooms(viewer.id));
    const directs = mine.filter((d) => d.kind === "direct");
    const [rooms, people] = await Promise.all([threads.listRooms(viewer.id), peopleFor(viewer, directs, online)]);
    const counts = new Map(
      mine.map(({ id, unread, mentions, lastReadSeq, level }) => [id, { unread, mentions, lastReadSeq, level }]),
    );
    // Group conversations: direct threads with more than one other person (named "ben, cat").
    const groups = directs.filter((d) => d.peer === null && d.name.includes(", "));
    return { rooms, people, peopleCount: everyone - 1, directs, groups, counts, mayCreateRooms, isAdmin, ...extra };
  }

  /**
   * A thread page: the thread is read first (its membership check, and the place its socket resumes
   * from), then everything else at once. `before`: an older window; `around`: the messages on both sides
   * of that seq (a search result's, a reply's original); `composer`: a form post that failed; `replyTo`:
   * the message the composer answers (a no-JavaScript Reply), if it is one of this thread's.
   */
  async function threadPage(
    viewer: User,
    threadId: number,
    options: {
      before?: number;
      around?: number;
      composer?: ThreadPageData["composer"];
      replyTo?: number;
      peopleError?: string;
    } = {},
  ): Promise<ThreadPageData> {
    const [thread, [state]] = await Promise.all([
      threads.requireMember(threadId, viewer.id),
      reading.states(viewer.id, threadId),
    ]);
    // Where the viewer stopped: the page opens there, below a "New" separator, when there is something new.
    const newFrom =
      options.before === undefined && options.around === undefined && state?.unread ? state.lastReadSeq + 1 : undefined;
    const window = async () => {
      if (options.around !== undefined) return aroundWindow(threadId, options.around);
      if (options.before !== undefined)
        return { list: await messages.history(threadId, { before: options.before }), newer: false };
      const newest = await messages.newest(thread);
      // The newest page does not reach back to the first unread message: the page shows the window around it.
      if (newFrom !== undefined && newest.length > 0 && newest[0]!.seq > newFrom) return aroundWindow(threadId, newFrom);
      return { list: newest, newer: false };
    };
    const [{ list, newer }, allGames, members, online, side, answered] = await Promise.all([
      window(),
      games.listForThread(threadId),
      threads.membersWithRoles(threadId),
      hub.online(threadId),
      sidebar(viewer, { currentThreadId: threadId }),
      options.replyTo === undefined ? null : messages.find(options.replyTo, viewer.id).catch(() => null),
    ]);
    const replyTo = answered && answered.threadId === threadId && !answered.deleted ? answered : undefined;
    const since = list.length > 0 && list[0]!.seq > 1 ? list[0]!.createdAt : "";
    return {
      thread: await threads.view(thread, viewer.id, members),
      messages: list,
      // Games that started within this window, and any still being played.
      games: allGames.filter((g) => g.createdAt >= since || g.turn !== null),
      members,
      online,
      sidebar: side,
      clientId: crypto.randomUUID(),
      olderWindow: options.before !== undefined && options.around === undefined,
      around: options.around === undefined ? undefined : { seq: options.around, newer },
      unread: newFrom === undefined ? undefined : { from: newFrom, newer },
      level: effectiveLevel(state ?? { kind: thread.kind, level: null }),
      composer: replyTo ? { ...options.composer, replyTo } : options.composer,
      peopleError: options.peopleError,
      render,
    };
  }

  /** The message at `seq` with up to `aroundSide` on each side; `newer` when the thread goes on after them. */
  async function aroundWindow(threadId: number, seq: number) {
    const [upTo, after] = await Promise.all([
      messages.history(threadId, { before: seq + 1, limit: aroundSide + 1 }),
      messages.history(threadId, { after: seq, limit: aroundSide + 1 }),
    ]);
    return { list: [...upTo, ...after.slice(0, aroundSide)], newer: after.length > aroundSide };
  }

  return { context, sidebar, threadPage, render };
}

export type PageData = ReturnType<typeof pageData>;
