ALTER TABLE `users` ADD `is_admin` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `disabled_at` text;--> statement-breakpoint
UPDATE `users` SET `is_admin` = true WHERE `id` = (SELECT min(`id`) FROM `users`);