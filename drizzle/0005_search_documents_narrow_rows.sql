-- Search: narrow search_documents rows. Counting and facet counts read every matching row; with
-- the tsvector inline a row was about 1.1 kB (7 to a page) and 湖北's 24,000 matches touched 11,500
-- of 13,000 pages. PostgreSQL moves a value out of line only when its row exceeds about 2 kB
-- (TOAST_TUPLE_THRESHOLD, fixed at build time; toast_tuple_target alone does not lower it), so
-- toast_pad, 2 kB of one repeated character, makes every row cross it: the toaster then moves
-- tokens (EXTERNAL) out of line and compresses toast_pad (MAIN) in place to about 35 bytes, until
-- the row is under toast_tuple_target. title stays inline (MAIN). A row ends near 190 bytes. A
-- row once toasted stays so through updates. GIN matching never reads tokens back (no recheck
-- without weights).
ALTER TABLE "search_documents" SET (toast_tuple_target = 128);--> statement-breakpoint
ALTER TABLE "search_documents" ALTER COLUMN "tokens" SET STORAGE EXTERNAL, ALTER COLUMN "title" SET STORAGE MAIN;--> statement-breakpoint
-- One statement, so toast_pad is MAIN before the table is rewritten for the new column.
ALTER TABLE "search_documents" ADD COLUMN "toast_pad" text GENERATED ALWAYS AS (repeat(' ', 2048)) STORED, ALTER COLUMN "toast_pad" SET STORAGE MAIN;--> statement-breakpoint
-- Every results page lists stalled goods first: they get their own GIN index (about 15 % of rows).
-- (Named by sell_before rather than stalled — the same thing, see the constraint — so that word
-- searches, which name it so, can use this index and never the urgency btree index.)
CREATE INDEX "search_documents_stalled_tokens_idx" ON "search_documents" USING gin ("tokens") WHERE "search_documents"."sell_before" IS NOT NULL;--> statement-breakpoint
ALTER INDEX "search_documents_stalled_tokens_idx" SET (gin_pending_list_limit = 256);--> statement-breakpoint
ALTER TABLE "search_documents" ADD CONSTRAINT "search_documents_stalled_sell_before" CHECK ("search_documents"."stalled" = ("search_documents"."sell_before" IS NOT NULL));--> statement-breakpoint
-- The planner settings every search with words runs under, as attributes of the functions below
-- (they hold while a function runs, transaction or not): no sequential scan (the planner prices
-- `tokens @@ query` as one cheap operator and would scan the table for a common word, reading
-- every tsvector back from TOAST), no plain index scan (a walk along another index testing each
-- row's tokens), no parallel plan, no JIT, and plans made once per connection and kept (generic):
-- with the GIN index as the only way in, the plan is the same for every word, and planning
-- would otherwise cost more than running for most searches. A token match is written as a
-- subquery of its own (OFFSET 0) so that no other condition, and no btree index, joins it.
-- Filters are parameters (NULL: no filter), tested on the matched rows.
--
-- search_documents_facets: facet counts of the matches of p_anywhere that pass the filters, as json rows [facet, value,
-- label, count, stalled, in stock]: at most 30 per facet, most frequent first; 'all' for the
-- totals. The matches are grouped by their whole facet key first (a few hundred keys even for
-- 湖北's 24,000 matches), then GROUPING SETS add up those groups: one hash lookup per matching
-- row. No sorting (a generic plan would otherwise sort every match to group them).
CREATE FUNCTION search_documents_facets(
  p_anywhere tsquery, p_province bpchar, p_category text, p_gi integer, p_kind gi_kind, p_coop integer, p_stalled_only boolean, p_in_stock_only boolean
) RETURNS json
  LANGUAGE plpgsql STABLE
  SET enable_seqscan = off SET enable_indexscan = off SET enable_sort = off SET max_parallel_workers_per_gather = 0 SET jit = off
  SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN (
    WITH k AS (
      SELECT sd.province_code, sd.category_slug, sd.gi_id, sd.gi_kind, sd.cooperative_id,
        count(*) AS n, count(*) FILTER (WHERE sd.stalled) AS stalled, count(*) FILTER (WHERE sd.in_stock) AS in_stock
      FROM (SELECT * FROM search_documents sd WHERE sd.tokens @@ p_anywhere OFFSET 0) sd
      WHERE (p_province IS NULL OR sd.province_code = p_province) AND (p_category IS NULL OR sd.category_slug = p_category)
        AND (p_gi IS NULL OR sd.gi_id = p_gi) AND (p_kind IS NULL OR sd.gi_kind = p_kind)
        AND (p_coop IS NULL OR sd.cooperative_id = p_coop) AND (NOT p_stalled_only OR sd.stalled) AND (NOT p_in_stock_only OR sd.in_stock)
      GROUP BY sd.province_code, sd.category_slug, sd.gi_id, sd.gi_kind, sd.cooperative_id
    ), g AS (
      SELECT k.province_code, k.category_slug, k.gi_id, k.gi_kind, k.cooperative_id,
        GROUPING(k.province_code, k.category_slug, k.gi_id, k.gi_kind, k.cooperative_id) AS set_id,
        coalesce(sum(k.n), 0)::int AS n, coalesce(sum(k.stalled), 0)::int AS stalled, coalesce(sum(k.in_stock), 0)::int AS in_stock
      FROM k
      GROUP BY GROUPING SETS ((k.province_code), (k.category_slug), (k.gi_id), (k.gi_kind), (k.cooperative_id), ())
    ), r AS (
      SELECT r.code, r.name FROM regions r WHERE r.code = ANY (ARRAY(SELECT DISTINCT k.province_code FROM k))
    ), c AS (
      SELECT c.slug, c.name_zh FROM categories c WHERE c.slug = ANY (ARRAY(SELECT DISTINCT k.category_slug FROM k))
    ), gi AS (
      SELECT gi.id, gi.slug, gi.name FROM geographical_indications gi WHERE gi.id = ANY (ARRAY(SELECT DISTINCT k.gi_id FROM k WHERE k.gi_id IS NOT NULL))
    ), co AS (
      SELECT co.id, co.slug, co.legal_name FROM cooperatives co WHERE co.id = ANY (ARRAY(SELECT DISTINCT k.cooperative_id FROM k))
    ), v AS (
      SELECT CASE g.set_id WHEN 15 THEN 'province' WHEN 23 THEN 'category' WHEN 27 THEN 'gi' WHEN 29 THEN 'kind' WHEN 30 THEN 'coop' ELSE 'all' END AS facet,
        coalesce(g.province_code::text, g.category_slug, gi.slug, g.gi_kind::text, co.slug) AS value,
        coalesce(r.name, c.name_zh, gi.name, co.legal_name) AS label,
        g.n, g.stalled, g.in_stock, g.set_id
      FROM g
      LEFT JOIN r ON r.code = g.province_code
      LEFT JOIN c ON c.slug = g.category_slug
      LEFT JOIN gi ON gi.id = g.gi_id
      LEFT JOIN co ON co.id = g.cooperative_id
    ), ranked AS (
      -- A null group (no GI, no kind) is not a value anyone can filter by.
      SELECT v.*, row_number() OVER (PARTITION BY v.set_id ORDER BY v.n DESC, v.value) AS rank
      FROM v WHERE v.set_id = 31 OR v.value IS NOT NULL
    )
    SELECT json_agg(json_build_array(ranked.facet, ranked.value, ranked.label, ranked.n, ranked.stalled, ranked.in_stock) ORDER BY ranked.set_id, ranked.rank)
    FROM ranked WHERE ranked.rank <= 30);
END
$$;--> statement-breakpoint
-- search_documents_find: one search with words, as JSON {hits: [[id, title]…], total, facets}.
-- p_tiers are tsqueries whose matches are listed one after the other: for relevance, the title,
-- GI name, place and anything tiers (each excluding the ones before); otherwise one, the words
-- anywhere (p_anywhere). Within a tier stalled goods come first, soonest sell-before date first,
-- then the others, newest first; other sorts order one list by price or date. Up to p_reach hits.
-- total: with p_facets, the number of matches, and facets as search_documents_facets returns them;
-- without, matches counted up to 1,000, or -1 when p_estimate allows the planner's estimate for a single
-- word (3,000 or more) to stand for "1,000 or more".
CREATE FUNCTION search_documents_find(
  p_tiers tsquery[], p_anywhere tsquery, p_sort text,
  p_province bpchar, p_category text, p_gi text, p_kind gi_kind, p_coop text, p_stalled_only boolean, p_in_stock_only boolean,
  p_reach integer, p_facets boolean, p_estimate boolean
) RETURNS json
  LANGUAGE plpgsql STABLE
  SET enable_seqscan = off SET enable_indexscan = off SET max_parallel_workers_per_gather = 0 SET jit = off
  SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_gi integer;
  v_coop integer;
  v_total integer;
  v_exact boolean;
  v_facets json;
  v_ids integer[] := '{}';
  v_titles text[] := '{}';
  v_more_ids integer[];
  v_more_titles text[];
  v_tier tsquery;
BEGIN
  IF p_gi IS NOT NULL THEN
    SELECT gi.id INTO v_gi FROM geographical_indications gi WHERE gi.slug = p_gi;
    v_gi := coalesce(v_gi, -1); -- no such GI: nothing matches, rather than everything
  END IF;
  IF p_coop IS NOT NULL THEN
    SELECT co.id INTO v_coop FROM cooperatives co WHERE co.slug = p_coop;
    v_coop := coalesce(v_coop, -1);
  END IF;

  IF p_facets THEN
    v_facets := search_documents_facets(p_anywhere, p_province, p_category, v_gi, p_kind, v_coop, p_stalled_only, p_in_stock_only);
    SELECT (e ->> 3)::integer INTO v_total FROM json_array_elements(v_facets) e WHERE e ->> 0 = 'all';
    v_exact := true;
  ELSIF p_estimate AND search_documents_estimate(p_anywhere) >= 3000 THEN
    v_total := -1;
    v_exact := false;
  ELSE
    SELECT count(*) INTO v_total FROM (
      SELECT 1 FROM (SELECT * FROM search_documents sd WHERE sd.tokens @@ p_anywhere OFFSET 0) sd
      WHERE (p_province IS NULL OR sd.province_code = p_province) AND (p_category IS NULL OR sd.category_slug = p_category)
        AND (v_gi IS NULL OR sd.gi_id = v_gi) AND (p_kind IS NULL OR sd.gi_kind = p_kind)
        AND (v_coop IS NULL OR sd.cooperative_id = v_coop) AND (NOT p_stalled_only OR sd.stalled) AND (NOT p_in_stock_only OR sd.in_stock)
      LIMIT 1000) m;
    v_exact := v_total < 1000;
  END IF;

  -- The hits, tier by tier, until p_reach rows or every match (when the count is exact).
  FOREACH v_tier IN ARRAY p_tiers LOOP
    EXIT WHEN cardinality(v_ids) >= p_reach OR (v_exact AND cardinality(v_ids) >= v_total);
    IF p_sort IN ('relevance', 'urgency') THEN
      -- Stalled goods, from their own GIN index.
      SELECT array_agg(h.product_id), array_agg(h.title) INTO v_more_ids, v_more_titles FROM (
        SELECT sd.product_id, sd.title
        FROM (SELECT * FROM search_documents sd WHERE sd.sell_before IS NOT NULL AND sd.tokens @@ v_tier OFFSET 0) sd
        WHERE (p_province IS NULL OR sd.province_code = p_province) AND (p_category IS NULL OR sd.category_slug = p_category)
          AND (v_gi IS NULL OR sd.gi_id = v_gi) AND (p_kind IS NULL OR sd.gi_kind = p_kind)
          AND (v_coop IS NULL OR sd.cooperative_id = v_coop) AND (NOT p_in_stock_only OR sd.in_stock)
        ORDER BY sd.sell_before ASC, sd.published_at DESC NULLS LAST, sd.product_id DESC
        LIMIT p_reach - cardinality(v_ids)) h;
      v_ids := v_ids || coalesce(v_more_ids, '{}');
      v_titles := v_titles || coalesce(v_more_titles, '{}');
      EXIT WHEN cardinality(v_ids) >= p_reach OR (v_exact AND cardinality(v_ids) >= v_total);
    END IF;
    -- The others (or, for the other sorts, every match), by price or newest first.
    SELECT array_agg(h.product_id), array_agg(h.title) INTO v_more_ids, v_more_titles FROM (
      SELECT sd.product_id, sd.title
      FROM (SELECT * FROM search_documents sd WHERE sd.tokens @@ v_tier OFFSET 0) sd
      WHERE (p_province IS NULL OR sd.province_code = p_province) AND (p_category IS NULL OR sd.category_slug = p_category)
        AND (v_gi IS NULL OR sd.gi_id = v_gi) AND (p_kind IS NULL OR sd.gi_kind = p_kind)
        AND (v_coop IS NULL OR sd.cooperative_id = v_coop) AND (NOT p_stalled_only OR sd.stalled) AND (NOT p_in_stock_only OR sd.in_stock)
        AND (p_sort NOT IN ('relevance', 'urgency') OR NOT sd.stalled)
      ORDER BY CASE WHEN p_sort = 'price_asc' THEN sd.min_price_fen END ASC NULLS LAST,
        CASE WHEN p_sort = 'price_desc' THEN sd.min_price_fen END DESC NULLS LAST,
        CASE WHEN p_sort NOT IN ('price_asc', 'price_desc') THEN sd.published_at END DESC NULLS LAST,
        sd.product_id DESC
      LIMIT p_reach - cardinality(v_ids)) h;
    v_ids := v_ids || coalesce(v_more_ids, '{}');
    v_titles := v_titles || coalesce(v_more_titles, '{}');
  END LOOP;

  RETURN json_build_object(
    'hits', (SELECT coalesce(json_agg(json_build_array(h.id, h.title) ORDER BY h.n), '[]'::json) FROM unnest(v_ids, v_titles) WITH ORDINALITY AS h(id, title, n)),
    'total', v_total,
    'facets', v_facets);
END
$$;--> statement-breakpoint
-- Suggestions: titles matching p_title (title tier), stalled goods first by sell-before date, then
-- the others in any order (a broad prefix stops early), p_wanted rows as JSON [[id, slug, title]…].
CREATE FUNCTION search_documents_suggest(p_title tsquery, p_wanted integer) RETURNS json
  LANGUAGE plpgsql STABLE
  SET enable_seqscan = off SET enable_indexscan = off SET max_parallel_workers_per_gather = 0 SET jit = off
  SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN (
    SELECT coalesce(json_agg(json_build_array(m.id, (SELECT p.slug FROM products p WHERE p.id = m.id), m.title) ORDER BY m.n), '[]'::json)
    FROM (
      SELECT u.id, u.title, row_number() OVER () AS n FROM (
        (SELECT sd.product_id AS id, sd.title
          FROM (SELECT * FROM search_documents sd WHERE sd.sell_before IS NOT NULL AND sd.tokens @@ p_title OFFSET 0) sd
          ORDER BY sd.sell_before ASC, sd.published_at DESC NULLS LAST, sd.product_id DESC LIMIT p_wanted)
        UNION ALL
        (SELECT sd.product_id, sd.title FROM (SELECT * FROM search_documents sd WHERE sd.tokens @@ p_title OFFSET 0) sd
          WHERE NOT sd.stalled LIMIT p_wanted)
      ) u LIMIT p_wanted
    ) m);
END
$$;--> statement-breakpoint
-- A search without words (browsing with filters and a sort): its statement, built by the adapter
-- with values bound as $1[n], run with parallel plans (which could interleave ordered parts of a
-- UNION ALL) and JIT off. STABLE: it can only read.
CREATE FUNCTION search_documents_browse(statement text, params text[]) RETURNS SETOF json
  LANGUAGE plpgsql STABLE
  SET max_parallel_workers_per_gather = 0 SET jit = off
AS $$
BEGIN
  RETURN QUERY EXECUTE statement USING params;
END
$$;--> statement-breakpoint
-- The planner's estimate of how many documents match `q` (the "count estimate" of the PostgreSQL
-- wiki). For one lexeme it is the lexeme's frequency in the column statistics. VOLATILE only
-- because PostgreSQL allows EXPLAIN in no other function; it reads nothing but statistics.
CREATE FUNCTION search_documents_estimate(q tsquery) RETURNS integer
  LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM search_documents WHERE tokens @@ $1' INTO plan USING q;
  RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::integer;
END
$$;--> statement-breakpoint
ANALYZE "search_documents";
