-- Search: rebuild search_documents with its columns in a better order and no pad at rest. The
-- count and facet scans of a search read every matching row: fixed-width NOT NULL columns first
-- (read at fixed offsets), then the nullable ones, then the variable-width ones, title and the
-- out-of-line tokens last. toast_pad is no longer generated: writeSearchRows writes it with each
-- row (so PostgreSQL toasts the row, see 0005) and clears it at once, so at rest a row is about
-- 110 bytes instead of 190 (1,800 pages instead of 2,200 for 100,000 products).
-- Copying moves every tsvector into the new table's TOAST (a value already out of line always
-- goes through the toaster), out of line again under toast_tuple_target.
CREATE TABLE "search_documents_rebuilt" (
	"product_id" integer NOT NULL,
	"cooperative_id" integer NOT NULL,
	"stalled" boolean DEFAULT false NOT NULL,
	"in_stock" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"gi_id" integer,
	"gi_kind" "gi_kind",
	"min_price_fen" integer,
	"sell_before" date,
	"published_at" timestamp with time zone,
	"province_code" char(6) NOT NULL,
	"category_slug" text NOT NULL,
	"region_code" char(6) NOT NULL,
	"title" text NOT NULL,
	"tokens" "tsvector" NOT NULL,
	"toast_pad" text
) WITH (toast_tuple_target = 128);--> statement-breakpoint
ALTER TABLE "search_documents_rebuilt" ALTER COLUMN "tokens" SET STORAGE EXTERNAL, ALTER COLUMN "title" SET STORAGE MAIN, ALTER COLUMN "toast_pad" SET STORAGE MAIN;--> statement-breakpoint
ALTER TABLE "search_documents_rebuilt" ALTER COLUMN "tokens" SET STATISTICS 1000;--> statement-breakpoint
INSERT INTO "search_documents_rebuilt" ("product_id", "cooperative_id", "stalled", "in_stock", "updated_at", "gi_id", "gi_kind", "min_price_fen", "sell_before", "published_at", "province_code", "category_slug", "region_code", "title", "tokens")
	SELECT "product_id", "cooperative_id", "stalled", "in_stock", "updated_at", "gi_id", "gi_kind", "min_price_fen", "sell_before", "published_at", "province_code", "category_slug", "region_code", "title", "tokens" FROM "search_documents";--> statement-breakpoint
DROP TABLE "search_documents";--> statement-breakpoint
ALTER TABLE "search_documents_rebuilt" RENAME TO "search_documents";--> statement-breakpoint
ALTER TABLE "search_documents" ADD CONSTRAINT "search_documents_pkey" PRIMARY KEY ("product_id");--> statement-breakpoint
ALTER TABLE "search_documents" ADD CONSTRAINT "search_documents_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "search_documents" ADD CONSTRAINT "search_documents_stalled_sell_before" CHECK ("search_documents"."stalled" = ("search_documents"."sell_before" IS NOT NULL));--> statement-breakpoint
CREATE INDEX "search_documents_tokens_idx" ON "search_documents" USING gin ("tokens") WITH (gin_pending_list_limit = 256);--> statement-breakpoint
CREATE INDEX "search_documents_stalled_tokens_idx" ON "search_documents" USING gin ("tokens") WITH (gin_pending_list_limit = 256) WHERE "search_documents"."sell_before" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "search_documents_province_idx" ON "search_documents" USING btree ("province_code");--> statement-breakpoint
CREATE INDEX "search_documents_category_idx" ON "search_documents" USING btree ("category_slug");--> statement-breakpoint
CREATE INDEX "search_documents_gi_idx" ON "search_documents" USING btree ("gi_id");--> statement-breakpoint
CREATE INDEX "search_documents_coop_idx" ON "search_documents" USING btree ("cooperative_id");--> statement-breakpoint
CREATE INDEX "search_documents_urgency_idx" ON "search_documents" USING btree ("sell_before") WHERE "search_documents"."stalled";--> statement-breakpoint
-- The search functions of 0005, again: without the OFFSET 0 subqueries (these statements are
-- planned generically, with every filter a parameter that may be NULL, so no btree index can
-- serve a filter anyway: the GIN indexes are the only way in), and with "stalled goods only"
-- read from the stalled goods' GIN index. A branch of a UNION ALL gated by a parameter is not
-- run when the parameter rules it out (a one-time filter).
CREATE OR REPLACE FUNCTION search_documents_facets(
  p_anywhere tsquery, p_province bpchar, p_category text, p_gi integer, p_kind gi_kind, p_coop integer, p_stalled_only boolean, p_in_stock_only boolean
) RETURNS json
  LANGUAGE plpgsql STABLE
  SET enable_seqscan = off SET enable_indexscan = off SET enable_sort = off SET max_parallel_workers_per_gather = 0 SET jit = off
  SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN (
    WITH m AS (
      SELECT sd.province_code, sd.category_slug, sd.gi_id, sd.gi_kind, sd.cooperative_id, sd.stalled, sd.in_stock
      FROM search_documents sd
      WHERE p_stalled_only AND sd.sell_before IS NOT NULL AND sd.tokens @@ p_anywhere
        AND (p_province IS NULL OR sd.province_code = p_province) AND (p_category IS NULL OR sd.category_slug = p_category)
        AND (p_gi IS NULL OR sd.gi_id = p_gi) AND (p_kind IS NULL OR sd.gi_kind = p_kind)
        AND (p_coop IS NULL OR sd.cooperative_id = p_coop) AND (NOT p_in_stock_only OR sd.in_stock)
      UNION ALL
      SELECT sd.province_code, sd.category_slug, sd.gi_id, sd.gi_kind, sd.cooperative_id, sd.stalled, sd.in_stock
      FROM search_documents sd
      WHERE NOT p_stalled_only AND sd.tokens @@ p_anywhere
        AND (p_province IS NULL OR sd.province_code = p_province) AND (p_category IS NULL OR sd.category_slug = p_category)
        AND (p_gi IS NULL OR sd.gi_id = p_gi) AND (p_kind IS NULL OR sd.gi_kind = p_kind)
        AND (p_coop IS NULL OR sd.cooperative_id = p_coop) AND (NOT p_in_stock_only OR sd.in_stock)
    ), k AS (
      SELECT m.province_code, m.category_slug, m.gi_id, m.gi_kind, m.cooperative_id,
        count(*) AS n, count(*) FILTER (WHERE m.stalled) AS stalled, count(*) FILTER (WHERE m.in_stock) AS in_stock
      FROM m
      GROUP BY m.province_code, m.category_slug, m.gi_id, m.gi_kind, m.cooperative_id
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
CREATE OR REPLACE FUNCTION search_documents_find(
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
  v_zone boolean := p_sort IN ('relevance', 'urgency'); -- stalled goods first, soonest first
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
      SELECT 1 FROM search_documents sd
      WHERE p_stalled_only AND sd.sell_before IS NOT NULL AND sd.tokens @@ p_anywhere
        AND (p_province IS NULL OR sd.province_code = p_province) AND (p_category IS NULL OR sd.category_slug = p_category)
        AND (v_gi IS NULL OR sd.gi_id = v_gi) AND (p_kind IS NULL OR sd.gi_kind = p_kind)
        AND (v_coop IS NULL OR sd.cooperative_id = v_coop) AND (NOT p_in_stock_only OR sd.in_stock)
      UNION ALL
      SELECT 1 FROM search_documents sd
      WHERE NOT p_stalled_only AND sd.tokens @@ p_anywhere
        AND (p_province IS NULL OR sd.province_code = p_province) AND (p_category IS NULL OR sd.category_slug = p_category)
        AND (v_gi IS NULL OR sd.gi_id = v_gi) AND (p_kind IS NULL OR sd.gi_kind = p_kind)
        AND (v_coop IS NULL OR sd.cooperative_id = v_coop) AND (NOT p_in_stock_only OR sd.in_stock)
      LIMIT 1000) m;
    v_exact := v_total < 1000;
  END IF;

  -- The hits, tier by tier, until p_reach rows or every match (when the count is exact).
  FOREACH v_tier IN ARRAY p_tiers LOOP
    EXIT WHEN cardinality(v_ids) >= p_reach OR (v_exact AND cardinality(v_ids) >= v_total);
    IF v_zone THEN
      -- Stalled goods, from their own GIN index, soonest sell-before date first.
      SELECT array_agg(h.product_id), array_agg(h.title) INTO v_more_ids, v_more_titles FROM (
        SELECT sd.product_id, sd.title FROM search_documents sd
        WHERE sd.sell_before IS NOT NULL AND sd.tokens @@ v_tier
          AND (p_province IS NULL OR sd.province_code = p_province) AND (p_category IS NULL OR sd.category_slug = p_category)
          AND (v_gi IS NULL OR sd.gi_id = v_gi) AND (p_kind IS NULL OR sd.gi_kind = p_kind)
          AND (v_coop IS NULL OR sd.cooperative_id = v_coop) AND (NOT p_in_stock_only OR sd.in_stock)
        ORDER BY sd.sell_before ASC, sd.published_at DESC NULLS LAST, sd.product_id DESC
        LIMIT p_reach - cardinality(v_ids)) h;
      v_ids := v_ids || coalesce(v_more_ids, '{}');
      v_titles := v_titles || coalesce(v_more_titles, '{}');
      CONTINUE WHEN p_stalled_only;
      EXIT WHEN cardinality(v_ids) >= p_reach OR (v_exact AND cardinality(v_ids) >= v_total);
    END IF;
    -- The others, newest first (or, for the other sorts, every match, by price or date).
    SELECT array_agg(h.product_id), array_agg(h.title) INTO v_more_ids, v_more_titles FROM (
      SELECT m.product_id, m.title FROM (
        SELECT sd.product_id, sd.title, sd.min_price_fen, sd.published_at FROM search_documents sd
        WHERE p_stalled_only AND sd.sell_before IS NOT NULL AND sd.tokens @@ v_tier
          AND (p_province IS NULL OR sd.province_code = p_province) AND (p_category IS NULL OR sd.category_slug = p_category)
          AND (v_gi IS NULL OR sd.gi_id = v_gi) AND (p_kind IS NULL OR sd.gi_kind = p_kind)
          AND (v_coop IS NULL OR sd.cooperative_id = v_coop) AND (NOT p_in_stock_only OR sd.in_stock)
        UNION ALL
        SELECT sd.product_id, sd.title, sd.min_price_fen, sd.published_at FROM search_documents sd
        WHERE NOT p_stalled_only AND sd.tokens @@ v_tier AND NOT (v_zone AND sd.stalled)
          AND (p_province IS NULL OR sd.province_code = p_province) AND (p_category IS NULL OR sd.category_slug = p_category)
          AND (v_gi IS NULL OR sd.gi_id = v_gi) AND (p_kind IS NULL OR sd.gi_kind = p_kind)
          AND (v_coop IS NULL OR sd.cooperative_id = v_coop) AND (NOT p_in_stock_only OR sd.in_stock)
      ) m
      ORDER BY CASE WHEN p_sort = 'price_asc' THEN m.min_price_fen END ASC NULLS LAST,
        CASE WHEN p_sort = 'price_desc' THEN m.min_price_fen END DESC NULLS LAST,
        CASE WHEN p_sort NOT IN ('price_asc', 'price_desc') THEN m.published_at END DESC NULLS LAST,
        m.product_id DESC
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
CREATE OR REPLACE FUNCTION search_documents_suggest(p_title tsquery, p_wanted integer) RETURNS json
  LANGUAGE plpgsql STABLE
  SET enable_seqscan = off SET enable_indexscan = off SET max_parallel_workers_per_gather = 0 SET jit = off
  SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN (
    SELECT coalesce(json_agg(json_build_array(m.id, (SELECT p.slug FROM products p WHERE p.id = m.id), m.title) ORDER BY m.n), '[]'::json)
    FROM (
      SELECT u.id, u.title, row_number() OVER () AS n FROM (
        (SELECT sd.product_id AS id, sd.title FROM search_documents sd
          WHERE sd.sell_before IS NOT NULL AND sd.tokens @@ p_title
          ORDER BY sd.sell_before ASC, sd.published_at DESC NULLS LAST, sd.product_id DESC LIMIT p_wanted)
        UNION ALL
        (SELECT sd.product_id, sd.title FROM search_documents sd WHERE NOT sd.stalled AND sd.tokens @@ p_title LIMIT p_wanted)
      ) u LIMIT p_wanted
    ) m);
END
$$;--> statement-breakpoint
ANALYZE "search_documents";
