// Search on SQLite: an FTS5 trigram index of every message's folded text (message_search, migration 0005),
// written in the transaction that writes the message, and read thread by thread, newest first.
import type { Statement } from "bun:sqlite";
import { fold, fts5Match, searchableText, timeBounds } from "../../chat/search-query.ts";
import type { Message, Repository } from "../repository.ts";
import type { SqliteDb } from "./client.ts";

/**
 * Where a message sits in the index: its rowid is `(threadId << 38) + (2^38 - 1 - id)`. A thread's messages
 * are then one range of rowids, so a search reads the threads it may read and nothing else: what other
 * threads hold never costs it a step (nor shows in how long it takes). Within a range, ascending rowids go
 * newest first: FTS5 starts an ascending scan at a rowid and stops after a few, while a descending scan over
 * a range reads all of it first. 25 bits of thread and 38 of message id fill SQLite's 63.
 */
const idBits = 38;
const idTop = 2 ** idBits - 1;
const threadMax = 2 ** (63 - idBits) - 1;
const rowid = (thread: string, id: string) => `(${thread} << ${idBits}) + ${idTop} - ${id}`;

/**
 * The index's `author` column: the author's id in braces, three characters at least (trigrams), and no id's
 * token inside another's ("{7}" is not in "{17}"), so that from: is matched in the index, not row by row.
 */
const authorToken = (authorId: number) => `{${authorId}}`;

/** Threads searched by one statement each at most, side by side: a searcher in more is searched in rounds. */
const threadsPerRound = 100;

/** The index kept in step with the messages, inside the group commit's transaction (messages.repo.ts calls it). */
export function sqliteSearchIndex(db: SqliteDb) {
  const client = db.$client;
  const insert = client.prepare(`insert into message_search (rowid, folded, author) values (${rowid("?1", "?2")}, ?3, ?4)`);
  const update = client.prepare(`update message_search set folded = ?3, author = ?4 where rowid = ${rowid("?1", "?2")}`);
  const remove = client.prepare(`delete from message_search where rowid = ${rowid("?1", "?2")}`);
  const placed = (m: Pick<Message, "threadId" | "id">) => {
    if (m.threadId > threadMax || m.id > idTop)
      throw new Error(`message ${m.id} of thread ${m.threadId} is beyond the search index's ids`);
    return m;
  };
  return {
    /** A new message. */
    added(m: Pick<Message, "threadId" | "id" | "body"> & { authorId: number; fileNames?: string[] }) {
      insert.run(placed(m).threadId, m.id, fold(searchableText(m.body, m.fileNames)), authorToken(m.authorId));
    },
    /** A message after a change: found by its current text only, and no longer once deleted. */
    changed(m: Pick<Message, "threadId" | "id" | "body" | "deleted" | "author" | "attachments">) {
      if (m.deleted) remove.run(placed(m).threadId, m.id);
      else {
        const text = searchableText(
          m.body,
          m.attachments.map((a) => a.name),
        );
        update.run(placed(m).threadId, m.id, fold(text), authorToken(m.author.id));
      }
    },
  };
}

type Row = { id: number };

export function sqliteSearch(db: SqliteDb, findNow: (id: number) => Message | null): Repository["search"] {
  const client = db.$client;
  const memberThreads = client.prepare<{ threadId: number }, [number]>(
    "select thread_id as threadId from memberships where user_id = ?1 order by thread_id",
  );
  // For before: and after:, the first message of a thread at or after a time, found by halving its seqs: a
  // thread's seqs, ids and times all follow the order of its commits.
  const lastSeq = client.prepare<{ lastSeq: number }, [number]>("select last_seq as lastSeq from threads where id = ?1");
  const messageAtSeq = client.prepare<{ id: number; createdAt: string }, [number, number]>(
    "select id, created_at as createdAt from messages where thread_id = ?1 and seq = ?2",
  );
  /** The lowest id in the thread from `time` on (past the newest when there is none). */
  function firstIdFrom(threadId: number, time: string): number {
    let low = 1;
    let high = (lastSeq.get(threadId)?.lastSeq ?? 0) + 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const at = messageAtSeq.get(threadId, middle);
      if (!at || at.createdAt >= time) high = middle;
      else low = middle + 1;
    }
    return messageAtSeq.get(threadId, low)?.id ?? idTop + 1;
  }

  // One statement per thread searched, each a lazy scan newest first; kept and reused (a thread's scan
  // is a prepared statement's iteration, and each needs its own).
  const range = `between ${rowid("$thread", "$belowId")} + 1 and ${rowid("$thread", "$fromId")}`;
  const scan = `select ${idTop} - (rowid & ${idTop}) as id from message_search
    where message_search match $match and rowid ${range} order by rowid`;
  const kept: Statement<Row>[] = [];
  const statements = (count: number) => {
    while (kept.length < count) kept.push(client.prepare<Row, Record<string, string | number>>(scan));
    return kept.slice(0, count);
  };

  /** The newest `limit` matches among these threads: each thread's scan advanced only while it holds the newest left. */
  function newestOf(threads: { threadId: number; fromId: number; belowId: number }[], search: Parameters<typeof run>[0]) {
    // The words and phrases in the text's column only (a number typed is never an author's token).
    const words = `folded : (${fts5Match(search.query)})`;
    const match = search.authorId === null ? words : `${words} AND author : "${authorToken(search.authorId)}"`;
    const scansNow = statements(threads.length).map((statement, i) => {
      const { threadId, fromId, belowId } = threads[i]!;
      return statement.iterate({ match, thread: threadId, fromId, belowId }) as IterableIterator<Row>;
    });
    try {
      const heads = scansNow.map((scan) => scan.next().value as Row | undefined);
      const ids: number[] = [];
      while (ids.length < search.limit) {
        let newest = -1;
        for (let i = 0; i < heads.length; i++) {
          if (heads[i] && (newest < 0 || heads[i]!.id > heads[newest]!.id)) newest = i;
        }
        if (newest < 0) break;
        ids.push(heads[newest]!.id);
        heads[newest] = scansNow[newest]!.next().value as Row | undefined;
      }
      return ids;
    } finally {
      for (const scan of scansNow) scan.return?.();
    }
  }

  function run(search: Parameters<Repository["search"]["messages"]>[0]): Message[] {
    const wanted = search.threadIds === null ? null : new Set(search.threadIds);
    const threadIds = memberThreads
      .all(search.userId)
      .map((row) => row.threadId)
      .filter((id) => wanted === null || wanted.has(id));
    const { start, end } = timeBounds(search.query);
    const threads = threadIds.flatMap((threadId) => {
      const fromId = start ? firstIdFrom(threadId, start.toISOString()) : 0;
      const belowId = Math.min(search.beforeId ?? idTop + 1, end ? firstIdFrom(threadId, end.toISOString()) : idTop + 1);
      return fromId < belowId ? [{ threadId, fromId, belowId }] : [];
    });
    let ids: number[] = [];
    for (let i = 0; i < threads.length; i += threadsPerRound) {
      ids.push(...newestOf(threads.slice(i, i + threadsPerRound), search));
    }
    if (threads.length > threadsPerRound) ids = ids.sort((a, b) => b - a).slice(0, search.limit);
    return ids.flatMap((id) => {
      const message = findNow(id);
      return message && !message.deleted ? [message] : [];
    });
  }

  return {
    async messages(search) {
      // One read transaction: the memberships, the matches and the messages as of one moment.
      return client.transaction(run)(search);
    },
  };
}
