-- Search: the planner's picture of the tokens column. With the default statistics target (100) the
-- most-common-elements list of a 100,000-product catalog holds only the commonest lexemes and every
-- other one is guessed at the same small frequency, so a word that matches nothing or thousands was
-- planned alike (45 ms for a word with no matches, walking the urgency index). 1000 keeps
-- frequencies for ten times as many lexemes.
ALTER TABLE "search_documents" ALTER COLUMN "tokens" SET STATISTICS 1000;--> statement-breakpoint
-- Rows written since the last vacuum sit in the GIN pending list, which every search reads through
-- in full; the default limit lets it grow to 4 MB (about 4,000 documents) between vacuums.
-- 256 kB bounds that scan; writes stay batched.
ALTER INDEX "search_documents_tokens_idx" SET (gin_pending_list_limit = 256);--> statement-breakpoint
ANALYZE "search_documents";
