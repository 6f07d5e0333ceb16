-- wrk script for the benchmark: sends the API key (if any) and prints one JSON line of results.
-- The key comes from the environment so it never appears on a command line (ps).
local key = os.getenv("BENCH_API_KEY")
if key ~= nil and key ~= "" then
  wrk.headers["X-API-Key"] = key
end

-- Light load: each connection waits BENCH_DELAY_MS between requests (think time), so the server is
-- far from saturated. wrk measures latency from send to response, without the wait.
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if delay_ms ~= nil and delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"connectErrors":%d,"readErrors":%d,' ..
    '"writeErrors":%d,"statusErrors":%d,"timeouts":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
