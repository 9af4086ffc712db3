-- Every change to a thread's messages and games takes the thread's next rev. Existing rows are numbered
-- gaplessly: each message gets its seq (revs 1..last_seq), then each game the revs after that, by id.
ALTER TABLE "messages" ADD COLUMN "rev" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "messages" SET "rev" = "seq";--> statement-breakpoint
CREATE UNIQUE INDEX "messages_thread_rev_idx" ON "messages" USING btree ("thread_id","rev");--> statement-breakpoint
ALTER TABLE "games" ADD COLUMN "rev" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "games" SET "rev" = numbered."rev"
  FROM (
    SELECT "games"."id", "threads"."last_seq" + row_number() OVER (PARTITION BY "games"."thread_id" ORDER BY "games"."id") AS "rev"
    FROM "games" JOIN "threads" ON "threads"."id" = "games"."thread_id"
  ) AS numbered
  WHERE "games"."id" = numbered."id";--> statement-breakpoint
CREATE INDEX "games_thread_rev_idx" ON "games" USING btree ("thread_id","rev");--> statement-breakpoint
ALTER TABLE "threads" ADD COLUMN "last_rev" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "threads" SET "last_rev" = "last_seq" + (SELECT count(*) FROM "games" WHERE "games"."thread_id" = "threads"."id");
