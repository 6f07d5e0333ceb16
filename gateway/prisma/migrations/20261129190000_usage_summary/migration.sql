-- Grouped analytics over weeks in milliseconds (issue 14's targets; bench/RESULTS.md, "Usage analytics
-- over a month"). usage_rollups_dims keeps one row per hour, key, route, method and status: with a
-- few hundred keys that is thousands of rows an hour, and GET /usage over 30 days summed millions of
-- them (15 s at 6 M requests). usage_rollups_summary holds the same counts at coarser grains, filled
-- by maintenance from usage_rollups_dims for completed hours and days (no work in the insert trigger):
--   grain 0: per status code;  grain 1: per key (and its owner) and status;
--   grain 6: per route, method and status;  grain 7: every dimension (daily only: hourly, that is
--   usage_rollups_dims itself).
-- `daily` rows cover a UTC day, the others an hour. A question reads the smallest grain holding the
-- dimensions it filters or groups by. usage_tiers.summary_to says how far the summary reaches: every
-- hour before it (and every day ending at or before it) is in the summary; later hours are read from
-- usage_rollups_dims. Counts are sums of the same rows, so they stay exact.
CREATE TABLE "usage_rollups_summary" (
    "id" BIGSERIAL NOT NULL,
    "daily" BOOLEAN NOT NULL,
    "grain" SMALLINT NOT NULL,
    "t" TIMESTAMPTZ(3) NOT NULL,
    "api_key_id" UUID,
    "user_id" UUID,
    "route" TEXT,
    "method" TEXT,
    "status_code" SMALLINT NOT NULL,
    "requests" BIGINT NOT NULL,
    "latency_sum_ms" DOUBLE PRECISION NOT NULL,
    "latency_min_ms" REAL NOT NULL,
    "latency_max_ms" REAL NOT NULL,
    "latency_histogram" INTEGER[],
    "request_bytes" BIGINT NOT NULL,
    "response_bytes" BIGINT NOT NULL,

    CONSTRAINT "usage_rollups_summary_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "usage_rollups_summary_daily_grain_t_idx" ON "usage_rollups_summary"("daily", "grain", "t");
CREATE INDEX "usage_rollups_summary_api_key_id_t_idx" ON "usage_rollups_summary"("api_key_id", "t");
CREATE INDEX "usage_rollups_summary_user_id_t_idx" ON "usage_rollups_summary"("user_id", "t");
ALTER TABLE "usage_rollups_summary" ADD CONSTRAINT "usage_rollups_summary_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "usage_tiers" ADD COLUMN "summary_to" TIMESTAMPTZ(3) NOT NULL DEFAULT '-infinity';

-- (Re)computes the summary of the whole UTC hours in [hours_from, hours_to) and of every UTC day that
-- ends within (hours_from, hours_to], from usage_rollups_dims: rows of those hours and days are
-- replaced, so running it twice changes nothing. With `move_to`, usage_tiers.summary_to becomes it in
-- the same statement (one statement: atomic on PGlite too, where the gateway shares one session). Histograms are summed element by element with one
-- sum() per bucket (the aggregate usage_histogram_sum costs ~45 µs a row: minutes per day here).
CREATE FUNCTION usage_summary_fill(hours_from timestamptz, hours_to timestamptz, move_to timestamptz DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  h text;
  cols text := 'requests, latency_sum_ms, latency_min_ms, latency_max_ms, latency_histogram, request_bytes, response_bytes';
  sums text := 'sum(requests), sum(latency_sum_ms), min(latency_min_ms), max(latency_max_ms), %s, sum(request_bytes), sum(response_bytes)';
  days_from timestamptz := date_trunc('day', hours_from, 'UTC');
  days_to timestamptz := date_trunc('day', hours_to, 'UTC');
BEGIN
  SELECT 'ARRAY[' || string_agg(format('sum(latency_histogram[%s])', i), ', ' ORDER BY i) || ']::integer[]'
    INTO h FROM generate_series(1, cardinality(usage_latency_bounds()) + 1) AS i;
  sums := format(sums, h);
  DELETE FROM usage_rollups_summary WHERE NOT daily AND t >= hours_from AND t < hours_to;
  -- Hourly: per key from the cube, per route and method from the cube, per status from the latter.
  EXECUTE format('INSERT INTO usage_rollups_summary (daily, grain, t, api_key_id, user_id, status_code, %s)
                  SELECT false, 1, "hour", api_key_id, user_id, status_code, %s FROM usage_rollups_dims
                   WHERE "hour" >= $1 AND "hour" < $2 GROUP BY "hour", api_key_id, user_id, status_code', cols, sums)
    USING hours_from, hours_to;
  EXECUTE format('INSERT INTO usage_rollups_summary (daily, grain, t, route, method, status_code, %s)
                  SELECT false, 6, "hour", route, method, status_code, %s FROM usage_rollups_dims
                   WHERE "hour" >= $1 AND "hour" < $2 GROUP BY "hour", route, method, status_code', cols, sums)
    USING hours_from, hours_to;
  EXECUTE format('INSERT INTO usage_rollups_summary (daily, grain, t, status_code, %s)
                  SELECT false, 0, t, status_code, %s FROM usage_rollups_summary
                   WHERE NOT daily AND grain = 6 AND t >= $1 AND t < $2 GROUP BY t, status_code', cols, sums)
    USING hours_from, hours_to;
  -- Daily, for the days that end in (hours_from, hours_to]: every dimension from the cube, the rest
  -- from that.
  IF days_to > days_from THEN
    DELETE FROM usage_rollups_summary WHERE daily AND t >= days_from AND t < days_to;
    EXECUTE format('INSERT INTO usage_rollups_summary (daily, grain, t, api_key_id, user_id, route, method, status_code, %s)
                    SELECT true, 7, date_trunc(''day'', "hour", ''UTC''), api_key_id, user_id, route, method, status_code, %s
                      FROM usage_rollups_dims WHERE "hour" >= $1 AND "hour" < $2
                     GROUP BY 3, api_key_id, user_id, route, method, status_code', cols, sums)
      USING days_from, days_to;
    EXECUTE format('INSERT INTO usage_rollups_summary (daily, grain, t, api_key_id, user_id, status_code, %s)
                    SELECT true, 1, t, api_key_id, user_id, status_code, %s FROM usage_rollups_summary
                     WHERE daily AND grain = 7 AND t >= $1 AND t < $2 GROUP BY t, api_key_id, user_id, status_code', cols, sums)
      USING days_from, days_to;
    EXECUTE format('INSERT INTO usage_rollups_summary (daily, grain, t, route, method, status_code, %s)
                    SELECT true, 6, t, route, method, status_code, %s FROM usage_rollups_summary
                     WHERE daily AND grain = 7 AND t >= $1 AND t < $2 GROUP BY t, route, method, status_code', cols, sums)
      USING days_from, days_to;
    EXECUTE format('INSERT INTO usage_rollups_summary (daily, grain, t, status_code, %s)
                    SELECT true, 0, t, status_code, %s FROM usage_rollups_summary
                     WHERE daily AND grain = 6 AND t >= $1 AND t < $2 GROUP BY t, status_code', cols, sums)
      USING days_from, days_to;
  END IF;
  IF move_to IS NOT NULL THEN
    UPDATE usage_tiers SET summary_to = move_to WHERE id = 1;
  END IF;
END
$$;
