/**
 * The whole decision in one Lua script, so it is atomic across every gateway replica and costs one
 * round trip. Read all three counters, decide, and increment only when both windows pass (a
 * rejected request consumes nothing).
 *
 * The time comes from the caller (ARGV) rather than Redis TIME: tests inject a clock, and every
 * replica computes bucket and day keys from the same value it hands the script.
 *
 * KEYS[1] previous minute bucket   KEYS[2] current minute bucket   KEYS[3] today's counter
 * ARGV[1] per-minute limit   ARGV[2] per-day limit   ARGV[3] ms elapsed in the current bucket
 * ARGV[4] TTL ms for the current bucket (it is read as "previous" during the next one)
 * ARGV[5] TTL ms for today's counter (until 00:00 UTC, plus slack)
 * Returns { allowed (0|1), previous, current, dayCount } — counts after the increment.
 */
export const RATE_LIMIT_SCRIPT = `
local counts = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3])
local previous = tonumber(counts[1]) or 0
local current = tonumber(counts[2]) or 0
local day = tonumber(counts[3]) or 0
local minuteLimit = tonumber(ARGV[1])
local dayLimit = tonumber(ARGV[2])
local elapsed = tonumber(ARGV[3])
local W = 60000

-- sliding window counter, scaled by W to stay in exact integer arithmetic (same as window-math.ts)
local minuteOk = previous * (W - elapsed) + (current + 1) * W <= minuteLimit * W
if not (minuteOk and day + 1 <= dayLimit) then
  return { 0, previous, current, day }
end

current = redis.call('INCR', KEYS[2])
if current == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
day = redis.call('INCR', KEYS[3])
if day == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[5]) end
return { 1, previous, current, day }
`;
