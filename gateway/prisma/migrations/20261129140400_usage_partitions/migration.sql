-- Usage storage that holds at volume (issue 14 item 1):
-- * usage_logs and the per-minute usage_rollups become tables partitioned by UTC day, so that
--   retention drops whole partitions (instant, no vacuum debt) instead of deleting rows;
-- * per-hour and per-day rollups (usage_rollups_hourly, usage_rollups_daily) are kept longer
--   (ROLLUP_RETENTION_DAYS), so charts over long windows stay exact after raw rows are gone;
-- * the insert trigger maintains all three tiers in the inserting statement itself.
-- Partitions are created ahead and dropped by the gateway's maintenance (src/usage/maintenance.ts);
-- a DEFAULT partition catches a row whose day has no partition (never lost; maintenance reports it).

-- 1. Partition management, shared by this migration and the maintenance job.
-- The daily partition of `parent` for the UTC day `day`, created if missing: `<parent>_pYYYYMMDD`.
CREATE FUNCTION usage_ensure_partition(parent text, day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  name text := parent || '_p' || to_char(day, 'YYYYMMDD');
BEGIN
  IF to_regclass(name) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, parent,
                 (day::timestamp AT TIME ZONE 'UTC'), ((day + 1)::timestamp AT TIME ZONE 'UTC'));
  RETURN true;
END
$$;

-- Element-wise sum of latency histograms, as an aggregate (to roll minutes up into hours and days).
CREATE AGGREGATE usage_histogram_sum(integer[]) (SFUNC = usage_histogram_add, STYPE = integer[]);

-- 2. usage_logs → partitioned. The old table's rows move over; its trigger goes (the rollups already
-- count them), and the new trigger is created after the copy.
ALTER TABLE "usage_logs" RENAME TO "usage_logs_unpartitioned";
DROP TRIGGER "usage_logs_rollup" ON "usage_logs_unpartitioned";
ALTER TABLE "usage_logs_unpartitioned" RENAME CONSTRAINT "usage_logs_pkey" TO "usage_logs_unpartitioned_pkey";
ALTER TABLE "usage_logs_unpartitioned" RENAME CONSTRAINT "usage_logs_api_key_id_fkey" TO "usage_logs_unpartitioned_api_key_id_fkey";
ALTER INDEX "usage_logs_api_key_id_timestamp_idx" RENAME TO "usage_logs_unpartitioned_api_key_id_timestamp_idx";

CREATE TABLE "usage_logs" (
    "id" UUID NOT NULL,
    "api_key_id" UUID NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "status_code" SMALLINT NOT NULL,
    "latency_ms" REAL NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "usage_logs_pkey" PRIMARY KEY ("timestamp", "id")
) PARTITION BY RANGE ("timestamp");
CREATE TABLE "usage_logs_default" PARTITION OF "usage_logs" DEFAULT;
CREATE INDEX "usage_logs_api_key_id_timestamp_idx" ON "usage_logs"("api_key_id", "timestamp" DESC);
ALTER TABLE "usage_logs" ADD CONSTRAINT "usage_logs_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- 3. usage_rollups (per minute) → partitioned the same way.
ALTER TABLE "usage_rollups" RENAME TO "usage_rollups_unpartitioned";
ALTER TABLE "usage_rollups_unpartitioned" RENAME CONSTRAINT "usage_rollups_pkey" TO "usage_rollups_unpartitioned_pkey";
ALTER TABLE "usage_rollups_unpartitioned" RENAME CONSTRAINT "usage_rollups_api_key_id_fkey" TO "usage_rollups_unpartitioned_api_key_id_fkey";
ALTER INDEX "usage_rollups_minute_idx" RENAME TO "usage_rollups_unpartitioned_minute_idx";

CREATE TABLE "usage_rollups" (
    "api_key_id" UUID NOT NULL,
    "minute" TIMESTAMPTZ(3) NOT NULL,
    "requests" INTEGER NOT NULL,
    "status_2xx" INTEGER NOT NULL,
    "status_3xx" INTEGER NOT NULL,
    "status_4xx" INTEGER NOT NULL,
    "status_5xx" INTEGER NOT NULL,
    "rate_limited" INTEGER NOT NULL,
    "latency_sum_ms" DOUBLE PRECISION NOT NULL,
    "latency_min_ms" REAL NOT NULL,
    "latency_max_ms" REAL NOT NULL,
    "latency_histogram" INTEGER[],

    CONSTRAINT "usage_rollups_pkey" PRIMARY KEY ("api_key_id","minute")
) PARTITION BY RANGE ("minute");
CREATE TABLE "usage_rollups_default" PARTITION OF "usage_rollups" DEFAULT;
CREATE INDEX "usage_rollups_minute_idx" ON "usage_rollups"("minute");
ALTER TABLE "usage_rollups" ADD CONSTRAINT "usage_rollups_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- 4. The longer-lived tiers: one row per key and UTC hour / UTC day, same columns.
CREATE TABLE "usage_rollups_hourly" (LIKE "usage_rollups_unpartitioned" INCLUDING DEFAULTS);
ALTER TABLE "usage_rollups_hourly" RENAME COLUMN "minute" TO "hour";
ALTER TABLE "usage_rollups_hourly" ADD CONSTRAINT "usage_rollups_hourly_pkey" PRIMARY KEY ("api_key_id", "hour");
CREATE INDEX "usage_rollups_hourly_hour_idx" ON "usage_rollups_hourly"("hour");
ALTER TABLE "usage_rollups_hourly" ADD CONSTRAINT "usage_rollups_hourly_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "usage_rollups_hourly" SET (fillfactor = 80);

CREATE TABLE "usage_rollups_daily" (LIKE "usage_rollups_unpartitioned" INCLUDING DEFAULTS);
ALTER TABLE "usage_rollups_daily" RENAME COLUMN "minute" TO "day";
ALTER TABLE "usage_rollups_daily" ADD CONSTRAINT "usage_rollups_daily_pkey" PRIMARY KEY ("api_key_id", "day");
CREATE INDEX "usage_rollups_daily_day_idx" ON "usage_rollups_daily"("day");
ALTER TABLE "usage_rollups_daily" ADD CONSTRAINT "usage_rollups_daily_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "usage_rollups_daily" SET (fillfactor = 80);

-- 5. Partitions for the days the existing data covers, today and the week ahead; then the data.
SELECT usage_ensure_partition(p.parent, d::date)
  FROM (VALUES ('usage_logs'), ('usage_rollups')) AS p(parent),
       generate_series(
         date_trunc('day', least((SELECT min("timestamp") FROM "usage_logs_unpartitioned"),
                                 (SELECT min("minute") FROM "usage_rollups_unpartitioned"), now()) AT TIME ZONE 'UTC'),
         (now() + interval '7 days') AT TIME ZONE 'UTC',
         interval '1 day') AS d;

INSERT INTO "usage_logs" SELECT * FROM "usage_logs_unpartitioned";
INSERT INTO "usage_rollups" SELECT * FROM "usage_rollups_unpartitioned";
INSERT INTO "usage_rollups_hourly" (api_key_id, "hour", requests, status_2xx, status_3xx, status_4xx, status_5xx,
                                    rate_limited, latency_sum_ms, latency_min_ms, latency_max_ms, latency_histogram)
SELECT api_key_id, date_trunc('hour', minute, 'UTC'), sum(requests), sum(status_2xx), sum(status_3xx), sum(status_4xx),
       sum(status_5xx), sum(rate_limited), sum(latency_sum_ms), min(latency_min_ms), max(latency_max_ms),
       usage_histogram_sum(latency_histogram)
  FROM "usage_rollups_unpartitioned" GROUP BY 1, 2;
INSERT INTO "usage_rollups_daily" (api_key_id, "day", requests, status_2xx, status_3xx, status_4xx, status_5xx,
                                   rate_limited, latency_sum_ms, latency_min_ms, latency_max_ms, latency_histogram)
SELECT api_key_id, date_trunc('day', hour, 'UTC'), sum(requests), sum(status_2xx), sum(status_3xx), sum(status_4xx),
       sum(status_5xx), sum(rate_limited), sum(latency_sum_ms), min(latency_min_ms), max(latency_max_ms),
       usage_histogram_sum(latency_histogram)
  FROM "usage_rollups_hourly" GROUP BY 1, 2;

DROP TABLE "usage_logs_unpartitioned";
DROP TABLE "usage_rollups_unpartitioned";

-- 6. The trigger keeps every tier exact in the inserting statement: the rows of one INSERT are
-- aggregated once per (key, minute, latency bucket), then upserted per minute, hour and day. Groups
-- are upserted in key and time order so that concurrent writers (replicas) lock rows in the same
-- order and cannot deadlock. Rows an INSERT skips (ON CONFLICT DO NOTHING on a retried batch) are not
-- in new_rows, so retries never count twice.
CREATE OR REPLACE FUNCTION usage_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH per_bucket AS MATERIALIZED (
    SELECT api_key_id,
           date_bin('1 minute', "timestamp", TIMESTAMPTZ 'epoch') AS minute,
           usage_latency_bucket(latency_ms) AS bucket,
           count(*)::integer AS n,
           count(*) FILTER (WHERE status_code BETWEEN 200 AND 299)::integer AS s2,
           count(*) FILTER (WHERE status_code BETWEEN 300 AND 399)::integer AS s3,
           count(*) FILTER (WHERE status_code BETWEEN 400 AND 499)::integer AS s4,
           count(*) FILTER (WHERE status_code >= 500)::integer AS s5,
           count(*) FILTER (WHERE status_code = 429)::integer AS s429,
           sum(latency_ms::float8) AS lsum, min(latency_ms) AS lmin, max(latency_ms) AS lmax
      FROM new_rows
     GROUP BY 1, 2, 3),
  minutes AS (
    INSERT INTO usage_rollups AS r (api_key_id, minute, requests, status_2xx, status_3xx, status_4xx, status_5xx,
                                    rate_limited, latency_sum_ms, latency_min_ms, latency_max_ms, latency_histogram)
    SELECT api_key_id, minute, sum(n), sum(s2), sum(s3), sum(s4), sum(s5), sum(s429), sum(lsum), min(lmin), max(lmax),
           usage_histogram(array_agg(bucket), array_agg(n))
      FROM per_bucket GROUP BY api_key_id, minute ORDER BY api_key_id, minute
    ON CONFLICT (api_key_id, minute) DO UPDATE SET
      requests = r.requests + excluded.requests, status_2xx = r.status_2xx + excluded.status_2xx,
      status_3xx = r.status_3xx + excluded.status_3xx, status_4xx = r.status_4xx + excluded.status_4xx,
      status_5xx = r.status_5xx + excluded.status_5xx, rate_limited = r.rate_limited + excluded.rate_limited,
      latency_sum_ms = r.latency_sum_ms + excluded.latency_sum_ms,
      latency_min_ms = least(r.latency_min_ms, excluded.latency_min_ms),
      latency_max_ms = greatest(r.latency_max_ms, excluded.latency_max_ms),
      latency_histogram = usage_histogram_add(r.latency_histogram, excluded.latency_histogram)
    RETURNING 1),
  hours AS (
    INSERT INTO usage_rollups_hourly AS r (api_key_id, "hour", requests, status_2xx, status_3xx, status_4xx, status_5xx,
                                           rate_limited, latency_sum_ms, latency_min_ms, latency_max_ms, latency_histogram)
    SELECT api_key_id, t, sum(n), sum(s2), sum(s3), sum(s4), sum(s5), sum(s429), sum(lsum), min(lmin), max(lmax),
           usage_histogram(array_agg(bucket), array_agg(n))
      FROM (SELECT api_key_id, date_trunc('hour', minute, 'UTC') AS t, bucket, sum(n)::integer AS n, sum(s2) AS s2,
                   sum(s3) AS s3, sum(s4) AS s4, sum(s5) AS s5, sum(s429) AS s429, sum(lsum) AS lsum, min(lmin) AS lmin,
                   max(lmax) AS lmax
              FROM per_bucket GROUP BY 1, 2, 3) AS per_hour_bucket
     GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (api_key_id, "hour") DO UPDATE SET
      requests = r.requests + excluded.requests, status_2xx = r.status_2xx + excluded.status_2xx,
      status_3xx = r.status_3xx + excluded.status_3xx, status_4xx = r.status_4xx + excluded.status_4xx,
      status_5xx = r.status_5xx + excluded.status_5xx, rate_limited = r.rate_limited + excluded.rate_limited,
      latency_sum_ms = r.latency_sum_ms + excluded.latency_sum_ms,
      latency_min_ms = least(r.latency_min_ms, excluded.latency_min_ms),
      latency_max_ms = greatest(r.latency_max_ms, excluded.latency_max_ms),
      latency_histogram = usage_histogram_add(r.latency_histogram, excluded.latency_histogram)
    RETURNING 1)
  INSERT INTO usage_rollups_daily AS r (api_key_id, "day", requests, status_2xx, status_3xx, status_4xx, status_5xx,
                                        rate_limited, latency_sum_ms, latency_min_ms, latency_max_ms, latency_histogram)
  SELECT api_key_id, t, sum(n), sum(s2), sum(s3), sum(s4), sum(s5), sum(s429), sum(lsum), min(lmin), max(lmax),
           usage_histogram(array_agg(bucket), array_agg(n))
      FROM (SELECT api_key_id, date_trunc('day', minute, 'UTC') AS t, bucket, sum(n)::integer AS n, sum(s2) AS s2,
                   sum(s3) AS s3, sum(s4) AS s4, sum(s5) AS s5, sum(s429) AS s429, sum(lsum) AS lsum, min(lmin) AS lmin,
                   max(lmax) AS lmax
              FROM per_bucket GROUP BY 1, 2, 3) AS per_day_bucket
     GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (api_key_id, "day") DO UPDATE SET
    requests = r.requests + excluded.requests, status_2xx = r.status_2xx + excluded.status_2xx,
    status_3xx = r.status_3xx + excluded.status_3xx, status_4xx = r.status_4xx + excluded.status_4xx,
    status_5xx = r.status_5xx + excluded.status_5xx, rate_limited = r.rate_limited + excluded.rate_limited,
    latency_sum_ms = r.latency_sum_ms + excluded.latency_sum_ms,
    latency_min_ms = least(r.latency_min_ms, excluded.latency_min_ms),
    latency_max_ms = greatest(r.latency_max_ms, excluded.latency_max_ms),
    latency_histogram = usage_histogram_add(r.latency_histogram, excluded.latency_histogram);
  RETURN NULL;
END
$$;

CREATE TRIGGER usage_logs_rollup AFTER INSERT ON usage_logs
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION usage_rollup_apply();

-- 7. Where the per-minute tier begins: older usage is read from the hourly tier. Maintenance moves
-- it forward as it drops partitions (one row, always present).
CREATE TABLE "usage_tiers" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "minute_from" TIMESTAMPTZ(3) NOT NULL DEFAULT '-infinity',
    "maintained_at" TIMESTAMPTZ(3),

    CONSTRAINT "usage_tiers_pkey" PRIMARY KEY ("id")
);
INSERT INTO "usage_tiers" (id) VALUES (1);

-- 8. What usage queries read: the per-minute tier from `minute_from` on, the hourly tier before it
-- (as rows of the same shape, `minute` being the hour's start).
CREATE VIEW "usage_rollups_tiered" AS
  SELECT r.api_key_id, r.minute, r.requests, r.status_2xx, r.status_3xx, r.status_4xx, r.status_5xx, r.rate_limited,
         r.latency_sum_ms, r.latency_min_ms, r.latency_max_ms, r.latency_histogram
    FROM usage_rollups r, usage_tiers t
   WHERE r.minute >= t.minute_from
  UNION ALL
  SELECT h.api_key_id, h."hour", h.requests, h.status_2xx, h.status_3xx, h.status_4xx, h.status_5xx, h.rate_limited,
         h.latency_sum_ms, h.latency_min_ms, h.latency_max_ms, h.latency_histogram
    FROM usage_rollups_hourly h, usage_tiers t
   WHERE h."hour" < t.minute_from;
