-- Snapshot of one partition for a batch: its applied offset, its outbox, its awaiting record
-- and the state keys the batch touches, read atomically in one round trip.
-- KEYS[1] = partition meta hash (fields applied, outbox, awaiting); KEYS[2..] = state / cache keys.
local meta = redis.call('HMGET', KEYS[1], 'applied', 'outbox', 'awaiting')
local result = { meta[1] or false, meta[2] or false, meta[3] or false }
-- In chunks: Lua's unpack fails past ~8,000 values, and a step of a spoofed flood asks for a
-- new key per packet.
for first = 2, #KEYS, 1000 do
  local values = redis.call('MGET', unpack(KEYS, first, math.min(first + 999, #KEYS)))
  for i = 1, #values do result[#result + 1] = values[i] end
end
return result
