-- Search (API.md "Search"): each message's body folded as chat/search-query.ts `fold` does (the app writes it
-- with every insert, edit and delete), and a pg_trgm GIN index of it for LIKE '%…%'.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "folded_body" text DEFAULT '' NOT NULL;--> statement-breakpoint
-- The messages already stored, folded in SQL as `fold` does: compatibility forms unfolded and accents removed
-- (NFKD, then the same combining marks), lower case, and the same plain-letter equivalents. Deleted ones stay "".
UPDATE "messages" SET "folded_body" =
  replace(replace(replace(translate(
    lower(normalize(regexp_replace(normalize("body", NFKD), '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\ufe20-\ufe2f]', '', 'g'), NFC)),
    'ςøłđħ', 'σoldh'), 'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe')
  WHERE NOT "deleted";--> statement-breakpoint
CREATE INDEX "messages_search_idx" ON "messages" USING gin ("folded_body" gin_trgm_ops);
