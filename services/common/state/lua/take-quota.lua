-- One unit of a quota shared by all workers (e.g. VirusTotal: 4/minute and 500/day): granted
-- only if every fixed window has room, then counted in all of them, atomically.
-- KEYS[i] = counter of window i; ARGV[2i-1] = max of window i, ARGV[2i] = ms until it rolls over.
local retry = 0
for i = 1, #KEYS do
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if used >= tonumber(ARGV[2 * i - 1]) then
    local left = tonumber(ARGV[2 * i])
    if left > retry then retry = left end
  end
end
if retry > 0 then return { 0, retry } end
for i = 1, #KEYS do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 * i]) + 1000)
end
return { 1, 0 }
