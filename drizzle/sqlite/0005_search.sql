-- Search (API.md "Search"): an FTS5 trigram index of each message's body folded as chat/search-query.ts `fold`
-- does, written by the app in the transaction of every insert, edit and delete (src/db/sqlite/search.repo.ts,
-- which also says how a rowid places a message in its thread). Contentless: the index only, no second copy of
-- the text; contentless_delete lets an edit or a delete take a message's entry out. `author` holds "{<author id>}",
-- so that from: is matched in the index too.
CREATE VIRTUAL TABLE `message_search` USING fts5(`folded`, `author`, content='', contentless_delete=1, tokenize='trigram remove_diacritics 1');--> statement-breakpoint
-- The messages already stored. SQL has no `fold`, but the tokenizer ignores case and Latin accents itself, and
-- the letters `fold` spells out as others are replaced here; left as stored: compatibility forms ("ﬁ", full-width
-- letters) and accents typed as separate marks, until the message is next edited. Deleted ones are left out.
INSERT INTO `message_search` (rowid, `folded`, `author`)
  SELECT (`thread_id` << 38) + 274877906943 - `id`,
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(`body`,
      'ß', 'ss'), 'ẞ', 'ss'), 'æ', 'ae'), 'Æ', 'ae'), 'œ', 'oe'),
      'Œ', 'oe'), 'ø', 'o'), 'Ø', 'o'), 'ł', 'l'), 'Ł', 'l'),
      'đ', 'd'), 'Đ', 'd'), 'ħ', 'h'), 'Ħ', 'h'), 'ς', 'σ'),
    '{' || `author_id` || '}'
  FROM `messages` WHERE NOT `deleted`;--> statement-breakpoint
INSERT INTO `message_search` (`message_search`) VALUES ('optimize');
