CREATE TABLE "imported_ids" (
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"local_id" bigint NOT NULL,
	CONSTRAINT "imported_ids_source_external_id_pk" PRIMARY KEY("source","external_id")
);
--> statement-breakpoint
CREATE INDEX "messages_live_created_idx" ON "messages" USING btree ("created_at") WHERE not deleted;