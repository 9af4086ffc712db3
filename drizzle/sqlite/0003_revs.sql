-- Every change to a thread's messages and games takes the thread's next rev. Existing rows are numbered
-- gaplessly: each message gets its seq (revs 1..last_seq), then each game the revs after that, by id.
ALTER TABLE `messages` ADD `rev` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `messages` SET `rev` = `seq`;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_thread_rev_idx` ON `messages` (`thread_id`,`rev`);--> statement-breakpoint
ALTER TABLE `games` ADD `rev` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `games` SET `rev` = (SELECT `last_seq` FROM `threads` WHERE `threads`.`id` = `games`.`thread_id`)
  + (SELECT count(*) FROM `games` AS `earlier` WHERE `earlier`.`thread_id` = `games`.`thread_id` AND `earlier`.`id` <= `games`.`id`);--> statement-breakpoint
CREATE INDEX `games_thread_rev_idx` ON `games` (`thread_id`,`rev`);--> statement-breakpoint
ALTER TABLE `threads` ADD `last_rev` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `threads` SET `last_rev` = `last_seq` + (SELECT count(*) FROM `games` WHERE `games`.`thread_id` = `threads`.`id`);
