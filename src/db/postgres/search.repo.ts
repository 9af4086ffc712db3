// Search on PostgreSQL: messages.folded_body (the body folded as chat/search-query.ts `fold` does, written in the
// message's own statements) under a pg_trgm GIN index, matched with one LIKE per word or phrase.
import { and, desc, eq, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import { likePatterns, timeBounds } from "../../chat/search-query.ts";
import type { Message, Repository } from "../repository.ts";
import type { PostgresDb } from "./client.ts";
import { memberships, messages } from "./schema.ts";

export function postgresSearch(db: PostgresDb, find: (id: number) => Promise<Message | null>): Repository["search"] {
  return {
    async messages({ userId, query, threadIds, authorId, beforeId, limit }) {
      const { start, end } = timeBounds(query);
      // The searcher's threads in the same statement, so that membership and matches are read in one snapshot.
      const searched = db
        .select({ threadId: memberships.threadId })
        .from(memberships)
        .where(and(eq(memberships.userId, userId), threadIds === null ? undefined : inArray(memberships.threadId, threadIds)));
      const conditions: (SQL | undefined)[] = [
        inArray(messages.threadId, searched),
        eq(messages.deleted, false),
        ...likePatterns(query).map((pattern) => sql`${messages.foldedBody} like ${pattern} escape '\\'`),
        authorId === null ? undefined : eq(messages.authorId, authorId),
        start ? gte(messages.createdAt, start) : undefined,
        end ? lt(messages.createdAt, end) : undefined,
        beforeId === null ? undefined : lt(messages.id, beforeId),
      ];
      if (threadIds?.length === 0) return [];
      const rows = await db
        .select({ id: messages.id })
        .from(messages)
        .where(and(...conditions))
        .orderBy(desc(messages.id))
        .limit(limit);
      // Read back as every other read of a message is; one changed meanwhile is shown as it is now.
      const found = await Promise.all(rows.map((row) => find(row.id)));
      return found.filter((message): message is Message => message !== null && !message.deleted);
    },
  };
}
