CREATE TABLE "rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	"window_start" timestamp with time zone DEFAULT now() NOT NULL,
	"blocked_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "search_documents" (
	"product_id" integer PRIMARY KEY NOT NULL,
	"tokens" "tsvector" NOT NULL,
	"title" text NOT NULL,
	"province_code" char(6) NOT NULL,
	"region_code" char(6) NOT NULL,
	"category_slug" text NOT NULL,
	"gi_id" integer,
	"gi_kind" "gi_kind",
	"cooperative_id" integer NOT NULL,
	"stalled" boolean DEFAULT false NOT NULL,
	"sell_before" date,
	"in_stock" boolean DEFAULT false NOT NULL,
	"min_price_fen" integer,
	"published_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "search_documents" ADD CONSTRAINT "search_documents_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "search_documents_tokens_idx" ON "search_documents" USING gin ("tokens");--> statement-breakpoint
CREATE INDEX "search_documents_province_idx" ON "search_documents" USING btree ("province_code");--> statement-breakpoint
CREATE INDEX "search_documents_category_idx" ON "search_documents" USING btree ("category_slug");--> statement-breakpoint
CREATE INDEX "search_documents_gi_idx" ON "search_documents" USING btree ("gi_id");--> statement-breakpoint
CREATE INDEX "search_documents_coop_idx" ON "search_documents" USING btree ("cooperative_id");--> statement-breakpoint
CREATE INDEX "search_documents_urgency_idx" ON "search_documents" USING btree ("sell_before") WHERE "search_documents"."stalled";