-- Usage queries took seconds instead of milliseconds once a database held some traffic (found by
-- `npm run bench -- --usage-only`: GET /usage/:keyId over 7 days, 5 s). Two causes, both fixed here:
-- 1. usage_rollups_tiered joined usage_tiers, a one-row table autovacuum never analyses (it changes too
--    little), so the planner guessed 1,700 rows for it and multiplied every rollup estimate by that.
--    A scalar subquery is planned once (an InitPlan) and estimates stay true.
-- 2. Those inflated costs pushed the queries over jit_above_cost: PostgreSQL then spent seconds
--    compiling the 122 histogram sums with LLVM before reading a row. The gateway's queries are short
--    and planned per call; JIT never pays for itself on them, so it is off for this database (new
--    sessions). Where the migrator may not alter the database, a notice says so and nothing fails.
CREATE OR REPLACE VIEW "usage_rollups_tiered" AS
  SELECT r.api_key_id, r.minute, r.requests, r.status_2xx, r.status_3xx, r.status_4xx, r.status_5xx, r.rate_limited,
         r.latency_sum_ms, r.latency_min_ms, r.latency_max_ms, r.latency_histogram
    FROM usage_rollups r
   WHERE r.minute >= (SELECT t.minute_from FROM usage_tiers t WHERE t.id = 1)
  UNION ALL
  SELECT h.api_key_id, h."hour", h.requests, h.status_2xx, h.status_3xx, h.status_4xx, h.status_5xx, h.rate_limited,
         h.latency_sum_ms, h.latency_min_ms, h.latency_max_ms, h.latency_histogram
    FROM usage_rollups_hourly h
   WHERE h."hour" < (SELECT t.minute_from FROM usage_tiers t WHERE t.id = 1);

ANALYZE "usage_tiers";

DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'could not turn JIT off for database %: run ALTER DATABASE % SET jit = off as its owner',
    current_database(), current_database();
END
$$;
