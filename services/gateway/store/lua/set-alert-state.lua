-- Sets the triage state of one alert and moves it between the per-state counters.
-- KEYS: 1 alert hash, 2 counts hash.  ARGV: 1 state, 2 by, 3 now ms
local cur = redis.call('HGET', KEYS[1], 'state')
if not cur or cur == ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'stateBy', ARGV[2], 'stateAt', ARGV[3])
redis.call('HINCRBY', KEYS[2], 'state:' .. cur, -1)
redis.call('HINCRBY', KEYS[2], 'state:' .. ARGV[1], 1)
return 1
