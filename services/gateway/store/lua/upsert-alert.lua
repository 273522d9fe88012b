-- Stores one alert revision; keeps the highest revision per id, updates the counters, the
-- minute bucket, the top-sources set and evicts the oldest alerts beyond the cap, atomically.
-- KEYS: 1 alert hash, 2 recent zset, 3 counts hash, 4 sources zset, 5 minute bucket hash,
--       6 sensor-alerts hash, 7 sequence counter
-- Returns {outcome, state, stateBy, stateAt, receivedAt, updatedAt}.
-- ARGV: 1 id, 2 revision, 3 alert JSON, 4 now ms, 5 cap, 6 ttl ms, 7 severity, 8 category,
--       9 src, 10 sensor id, 11 top sources tracked, 12 alert key prefix, 13 bucket ttl ms
local rev = tonumber(ARGV[2])
local ttl = ARGV[6]
local cur = redis.call('HMGET', KEYS[1], 'rev', 'sev', 'state')
if cur[1] and tonumber(cur[1]) >= rev then
  return {'stale'}
end

local seq = redis.call('INCR', KEYS[7])
redis.call('PEXPIRE', KEYS[7], ttl)
redis.call('HINCRBY', KEYS[5], ARGV[7], 1)
redis.call('PEXPIRE', KEYS[5], ARGV[13])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)

if cur[1] then
  if cur[2] ~= ARGV[7] then
    redis.call('HINCRBY', KEYS[3], 'sev:' .. cur[2], -1)
    redis.call('HINCRBY', KEYS[3], 'sev:' .. ARGV[7], 1)
  end
  if cur[3] == 'resolved' then
    -- new evidence reopens a resolved incident
    redis.call('HSET', KEYS[1], 'state', 'new', 'stateBy', '', 'stateAt', ARGV[4])
    redis.call('HINCRBY', KEYS[3], 'state:resolved', -1)
    redis.call('HINCRBY', KEYS[3], 'state:new', 1)
  end
  redis.call('HSET', KEYS[1], 'alert', ARGV[3], 'rev', ARGV[2], 'sev', ARGV[7], 'updatedAt', ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[3], ttl)
  local after = redis.call('HMGET', KEYS[1], 'state', 'stateBy', 'stateAt', 'receivedAt', 'updatedAt')
  return {'updated', after[1], after[2], after[3], after[4], after[5]}
end

redis.call('HSET', KEYS[1], 'alert', ARGV[3], 'rev', ARGV[2], 'sev', ARGV[7], 'state', 'new',
  'stateBy', '', 'stateAt', '', 'receivedAt', ARGV[4], 'updatedAt', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('HINCRBY', KEYS[3], 'total', 1)
redis.call('HINCRBY', KEYS[3], 'sev:' .. ARGV[7], 1)
redis.call('HINCRBY', KEYS[3], 'cat:' .. ARGV[8], 1)
redis.call('HINCRBY', KEYS[3], 'state:new', 1)
redis.call('PEXPIRE', KEYS[3], ttl)
if ARGV[9] ~= '' then
  redis.call('ZINCRBY', KEYS[4], 1, ARGV[9])
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[11]) + 1))
  redis.call('PEXPIRE', KEYS[4], ttl)
end
redis.call('HINCRBY', KEYS[6], ARGV[10], 1)
redis.call('PEXPIRE', KEYS[6], ttl)

local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if excess > 0 then
  local old = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #old, 2 do
    local key = ARGV[12] .. old[i]
    local state = redis.call('HGET', key, 'state')
    if state then
      redis.call('HINCRBY', KEYS[3], 'state:' .. state, -1)
      redis.call('DEL', key)
    end
  end
end
return {'created', 'new', '', '', ARGV[4], ARGV[4]}
