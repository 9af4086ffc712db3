-- Read positions, notification levels, mentions and Web Push subscriptions; reactions ordered by rev.
-- Hand-written: the UPDATE below, so that what was in a thread before this version counts as read
-- (not thousands unread at once).
CREATE TABLE `mentions` (
	`message_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`thread_id` integer NOT NULL,
	`seq` integer NOT NULL,
	PRIMARY KEY(`message_id`, `user_id`),
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`thread_id`) REFERENCES `threads`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mentions_user_thread_seq_idx` ON `mentions` (`user_id`,`thread_id`,`seq`);--> statement-breakpoint
CREATE TABLE `push_subscriptions` (
	`endpoint` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`p256dh` text NOT NULL,
	`auth` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `push_subscriptions_user_idx` ON `push_subscriptions` (`user_id`);--> statement-breakpoint
ALTER TABLE `memberships` ADD `last_read_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `memberships` ADD `level` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `mentions` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `reactions` ADD `rev` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `memberships` SET `last_read_seq` = (SELECT `last_seq` FROM `threads` WHERE `threads`.`id` = `memberships`.`thread_id`);
