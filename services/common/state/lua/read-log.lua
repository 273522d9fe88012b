-- The newest number of a shared log and at most max entries numbered after a given one,
-- oldest first, as { head, '<number>|<entry>', ... }.
-- KEYS[1] = the log's counter, KEYS[2] = its list. ARGV[1] = after, ARGV[2] = max.
local head = tonumber(redis.call('GET', KEYS[1]) or '0')
local result = { head }
local after = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
if max <= 0 or after >= head then return result end
local len = redis.call('LLEN', KEYS[2])
-- The list holds numbers head - len + 1 .. head, in order.
local first = math.max(after + 1, head - len + 1)
local last = math.min(head, first + max - 1)
if first > last then return result end
local entries = redis.call('LRANGE', KEYS[2], first - (head - len + 1), last - (head - len + 1))
for i = 1, #entries do result[#result + 1] = entries[i] end
return result
