-- Bounded priority queue shared by all workers: keep the highest score of each member, trim
-- the lowest scores beyond the bound, refresh the TTL.
-- KEYS[1] = sorted set; ARGV[1] = max length, ARGV[2] = TTL ms, then score/member pairs.
for i = 3, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], 'GT', ARGV[i], ARGV[i + 1])
end
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[1])
if excess > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
