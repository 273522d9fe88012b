-- Appends one entry to a shared log and returns its number (1, 2, ...): the newest maxLength
-- entries are kept, and the log expires ttl ms after its last append.
-- KEYS[1] = the log's counter, KEYS[2] = its list of '<number>|<entry>'.
-- ARGV[1] = entry, ARGV[2] = maxLength, ARGV[3] = ttl ms.
local n = redis.call('INCR', KEYS[1])
redis.call('RPUSH', KEYS[2], n .. '|' .. ARGV[1])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return n
