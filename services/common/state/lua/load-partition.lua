-- Snapshot of one partition for a batch: its applied offset, its outbox, its awaiting record
-- and the state keys the batch touches, read atomically in one round trip.
-- KEYS[1] = partition meta hash (fields applied, outbox, awaiting); KEYS[2..] = state / cache keys.
local meta = redis.call('HMGET', KEYS[1], 'applied', 'outbox', 'awaiting')
local result = { meta[1] or false, meta[2] or false, meta[3] or false }
if #KEYS > 1 then
  local values = redis.call('MGET', unpack(KEYS, 2))
  for i = 1, #values do result[#result + 1] = values[i] end
end
return result
