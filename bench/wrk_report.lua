-- wrk script of `make bench`: counts HTTP status codes per thread (wrk alone counts a 302 to
-- the login page as a success) and prints one JSON line after wrk's own report:
--   BENCH {"requests": N, "duration_us": N, "p50_us": N, "p95_us": N, "p99_us": N, ...}
-- The same script the peer kit uses, plus the percentiles wrk's --latency table lacks (p95).
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   statuses = {}
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local parts = {}
   for _, t in ipairs(threads) do
      local s = t:get("statuses")
      for code, n in pairs(s) do
         parts[code] = (parts[code] or 0) + n
      end
   end
   local codes = {}
   for code, n in pairs(parts) do
      table.insert(codes, string.format('"%d": %d', code, n))
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
      '"mean_us": %.0f, "max_us": %d, "socket_errors": %d, "statuses": {%s}}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
      latency:percentile(99), latency.mean, latency.max,
      e.connect + e.read + e.write + e.timeout, table.concat(codes, ", ")))
end
