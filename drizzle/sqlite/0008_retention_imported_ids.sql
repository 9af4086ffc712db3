CREATE TABLE `imported_ids` (
	`source` text NOT NULL,
	`external_id` text NOT NULL,
	`local_id` integer NOT NULL,
	PRIMARY KEY(`source`, `external_id`)
);
--> statement-breakpoint
CREATE INDEX `messages_live_created_idx` ON `messages` (`created_at`) WHERE deleted = 0;