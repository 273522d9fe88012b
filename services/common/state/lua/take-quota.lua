-- One unit of a quota shared by all workers (e.g. VirusTotal: 4/minute and 500/day): granted
-- only if every fixed window has room, then counted in all of them, atomically.
-- KEYS[1..n] = counter of window i; KEYS[n+1], if present, = a priority queue (sorted set).
-- ARGV[1] = n; ARGV[2i] = max of window i, ARGV[2i+1] = ms until it rolls over.
-- With a queue, the unit is spent only on its highest-scored member, popped in the same step:
-- { 2, 0 } when the queue is empty (nothing counted), { 1, 0, member, score } when granted.
local n = tonumber(ARGV[1])
local queue = KEYS[n + 1]
if queue and redis.call('ZCARD', queue) == 0 then return { 2, 0 } end
local retry = 0
for i = 1, n do
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if used >= tonumber(ARGV[2 * i]) then
    local left = tonumber(ARGV[2 * i + 1])
    if left > retry then retry = left end
  end
end
if retry > 0 then return { 0, retry } end
for i = 1, n do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 * i + 1]) + 1000)
end
if not queue then return { 1, 0 } end
local top = redis.call('ZPOPMAX', queue, 1)
return { 1, 0, top[1], top[2] }
