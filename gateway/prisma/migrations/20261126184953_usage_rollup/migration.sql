-- Usage rollup: one row per API key and UTC minute with the request count, status classes, 429s,
-- latency sum/min/max and a latency histogram. GET /usage/:keyId reads these (1,440 rows for a day,
-- 10,080 for a week) instead of every usage_logs row of the window.

-- CreateTable
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
);

-- AddForeignKey
ALTER TABLE "usage_rollups" ADD CONSTRAINT "usage_rollups_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The row of the current minute is updated by every batch: leave room on each page so those
-- updates stay HOT (no index change, no page hop).
ALTER TABLE "usage_rollups" SET (fillfactor = 80);

-- Latency bucket bounds in ms: the R20 series from 0.1 ms to 100 s. Must equal LATENCY_BOUNDS_MS
-- in src/usage/latency-histogram.ts (a test checks); changing them means rebuilding the rollup.
CREATE FUNCTION usage_latency_bounds() RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT '{
  0.1,0.112,0.125,0.14,0.16,0.18,0.2,0.224,0.25,0.28,0.315,0.355,0.4,0.45,0.5,0.56,0.63,0.71,0.8,0.9,
  1,1.12,1.25,1.4,1.6,1.8,2,2.24,2.5,2.8,3.15,3.55,4,4.5,5,5.6,6.3,7.1,8,9,
  10,11.2,12.5,14,16,18,20,22.4,25,28,31.5,35.5,40,45,50,56,63,71,80,90,
  100,112,125,140,160,180,200,224,250,280,315,355,400,450,500,560,630,710,800,900,
  1000,1120,1250,1400,1600,1800,2000,2240,2500,2800,3150,3550,4000,4500,5000,5600,6300,7100,8000,9000,
  10000,11200,12500,14000,16000,18000,20000,22400,25000,28000,31500,35500,40000,45000,50000,56000,63000,71000,80000,90000,
  100000
  }'::float8[]
$$;

-- 0 for [0, 0.1 ms), i for [bound i, bound i+1), 121 for 100 s and more.
CREATE FUNCTION usage_latency_bucket(latency_ms real) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT width_bucket(latency_ms::float8, usage_latency_bounds())
$$;

-- A full histogram (one count per bucket) from the occupied buckets and their counts.
CREATE FUNCTION usage_histogram(buckets integer[], counts integer[]) RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg(coalesce(c.n, 0) ORDER BY i)
    FROM generate_series(0, cardinality(usage_latency_bounds())) AS i
    LEFT JOIN unnest(buckets, counts) AS c(b, n) ON c.b = i
$$;

CREATE FUNCTION usage_histogram_add(a integer[], b integer[]) RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)
$$;

-- Keeps usage_rollups in step with usage_logs inside the inserting statement itself (same
-- transaction, one set-based upsert per INSERT, not per row): whoever writes usage_logs — the
-- batched recorder, an import, a test — the rollup stays exact. Rows an INSERT skips (ON CONFLICT
-- DO NOTHING on a retried batch) are not in new_rows, so retries never count twice. Groups are
-- upserted in (key, minute) order so that concurrent writers (replicas) lock rows in the same order
-- and cannot deadlock.
CREATE FUNCTION usage_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_rollups AS r (api_key_id, minute, requests, status_2xx, status_3xx, status_4xx, status_5xx,
                                  rate_limited, latency_sum_ms, latency_min_ms, latency_max_ms, latency_histogram)
  SELECT api_key_id, minute, sum(n), sum(s2), sum(s3), sum(s4), sum(s5), sum(s429), sum(lsum), min(lmin), max(lmax),
         usage_histogram(array_agg(bucket), array_agg(n))
    FROM (SELECT api_key_id,
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
           GROUP BY 1, 2, 3) AS per_bucket
   GROUP BY api_key_id, minute
   ORDER BY api_key_id, minute
  ON CONFLICT (api_key_id, minute) DO UPDATE SET
    requests = r.requests + excluded.requests,
    status_2xx = r.status_2xx + excluded.status_2xx,
    status_3xx = r.status_3xx + excluded.status_3xx,
    status_4xx = r.status_4xx + excluded.status_4xx,
    status_5xx = r.status_5xx + excluded.status_5xx,
    rate_limited = r.rate_limited + excluded.rate_limited,
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

-- Backfill from the logs already there (same aggregation as the trigger).
INSERT INTO usage_rollups (api_key_id, minute, requests, status_2xx, status_3xx, status_4xx, status_5xx,
                           rate_limited, latency_sum_ms, latency_min_ms, latency_max_ms, latency_histogram)
SELECT api_key_id, minute, sum(n), sum(s2), sum(s3), sum(s4), sum(s5), sum(s429), sum(lsum), min(lmin), max(lmax),
       usage_histogram(array_agg(bucket), array_agg(n))
  FROM (SELECT api_key_id,
               date_bin('1 minute', "timestamp", TIMESTAMPTZ 'epoch') AS minute,
               usage_latency_bucket(latency_ms) AS bucket,
               count(*)::integer AS n,
               count(*) FILTER (WHERE status_code BETWEEN 200 AND 299)::integer AS s2,
               count(*) FILTER (WHERE status_code BETWEEN 300 AND 399)::integer AS s3,
               count(*) FILTER (WHERE status_code BETWEEN 400 AND 499)::integer AS s4,
               count(*) FILTER (WHERE status_code >= 500)::integer AS s5,
               count(*) FILTER (WHERE status_code = 429)::integer AS s429,
               sum(latency_ms::float8) AS lsum, min(latency_ms) AS lmin, max(latency_ms) AS lmax
          FROM usage_logs
         GROUP BY 1, 2, 3) AS per_bucket
 GROUP BY api_key_id, minute;
