-- Rooms people can run: private rooms, topics, archiving, roles per membership.
-- Hand-written: the UPDATE below. Threads never recorded their creator; the creator was the room's
-- first member, so each room's earliest member (by joined_at, then id) becomes its owner.
ALTER TABLE "memberships" ADD COLUMN "role" text DEFAULT 'member' NOT NULL;--> statement-breakpoint
ALTER TABLE "threads" ADD COLUMN "is_private" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "threads" ADD COLUMN "topic" text;--> statement-breakpoint
ALTER TABLE "threads" ADD COLUMN "archived" boolean DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE "memberships" SET "role" = 'owner'
WHERE "user_id" = (
  SELECT m."user_id" FROM "memberships" m
  WHERE m."thread_id" = "memberships"."thread_id"
  ORDER BY m."joined_at", m."user_id" LIMIT 1
) AND "thread_id" IN (SELECT "id" FROM "threads" WHERE "kind" = 'room');
