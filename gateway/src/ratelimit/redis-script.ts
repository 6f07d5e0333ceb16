/**
 * The whole decision in one Lua script, so it is atomic across every gateway replica and costs one
 * round trip, however many windows the request touches: read every counter, decide, and increment
 * only when every enforced window passes (a rejected request consumes nothing, in no window).
 *
 * Window ids, elapsed times and TTLs come from the caller (ARGV) rather than Redis TIME: tests
 * inject a clock, calendar windows need the plan's time zone, and every replica computes key names
 * from the same value it hands the script.
 *
 * KEYS: per window, in order — sliding: previous bucket, current bucket; calendar: current period.
 * ARGV, for n windows: n × (period ms (0 = calendar), limit, enforced (1|0)) — fixed per policy —
 *   then n × (ms elapsed in the bucket, TTL ms of the current counter), then the request's cost.
 * Returns { allowed (0|1), previous₁, current₁, …, previousₙ, currentₙ } — counts before the request.
 */
export const RATE_LIMIT_SCRIPT = `
local counts = redis.call('MGET', unpack(KEYS))
local n = (#ARGV - 1) / 5
local cost = tonumber(ARGV[#ARGV])
local reply = { 1 }
local k = 1
for i = 0, n - 1 do
  local period = tonumber(ARGV[1 + 3 * i])
  local limit = tonumber(ARGV[2 + 3 * i])
  local previous = 0
  if period > 0 then
    previous = tonumber(counts[k]) or 0
    k = k + 1
  end
  local current = tonumber(counts[k]) or 0
  k = k + 1
  reply[2 + 2 * i] = previous
  reply[3 + 2 * i] = current
  if ARGV[3 + 3 * i] == '1' and reply[1] == 1 then
    local fits
    if period > 0 then
      -- sliding window counter, scaled by the period to stay in exact integer arithmetic (window-math.ts)
      local elapsed = tonumber(ARGV[3 * n + 1 + 2 * i])
      fits = previous * (period - elapsed) + (current + cost) * period <= limit * period
    else
      fits = current + cost <= limit
    end
    if not fits then reply[1] = 0 end
  end
end
if reply[1] == 0 then return reply end

k = 1
for i = 0, n - 1 do
  if tonumber(ARGV[1 + 3 * i]) > 0 then k = k + 1 end
  local count = redis.call('INCRBY', KEYS[k], cost)
  if count == cost then redis.call('PEXPIRE', KEYS[k], ARGV[3 * n + 2 + 2 * i]) end
  k = k + 1
end
return reply
`;
