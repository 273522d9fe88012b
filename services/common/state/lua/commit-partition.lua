-- Applies one batch's effect on a partition exactly once: only if the applied offset is still
-- the one the worker loaded (fencing a zombie worker after a rebalance) and the batch is newer,
-- then writes the state, deletes idle keys, stores the outbox and advances the offset, atomically.
-- KEYS[1] = partition meta hash; KEYS[2 .. 1+nw] = keys to write; KEYS[2+nw ..] = keys to delete.
-- ARGV[1] = expected applied offset ('' = none yet), ARGV[2] = new applied offset,
-- ARGV[3] = meta TTL ms, ARGV[4] = outbox, ARGV[5] = nw, then nw values, then nw TTLs (ms),
-- then optionally the partition's new awaiting record.
local function older_or_equal(a, b)
  if #a ~= #b then return #a < #b end
  return a <= b
end

local current = redis.call('HGET', KEYS[1], 'applied')
local expected = ARGV[1]
if current then
  if current ~= expected then return 'conflict' end
  if older_or_equal(ARGV[2], current) then return 'conflict' end
elseif expected ~= '' then
  return 'conflict'
end

local nw = tonumber(ARGV[5])
for i = 1, nw do
  redis.call('SET', KEYS[1 + i], ARGV[5 + i], 'PX', ARGV[5 + nw + i])
end
-- In chunks: Lua's unpack fails past ~8,000 values.
for first = 2 + nw, #KEYS, 1000 do
  redis.call('DEL', unpack(KEYS, first, math.min(first + 999, #KEYS)))
end
redis.call('HSET', KEYS[1], 'applied', ARGV[2], 'outbox', ARGV[4])
if #ARGV > 5 + 2 * nw then
  redis.call('HSET', KEYS[1], 'awaiting', ARGV[6 + 2 * nw])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 'committed'
