-- Appended to every bench script: one JSON line with the counts and latency percentiles (microseconds).
-- Scripts keep their own counters in globals named in `counters`; done() sums them over the threads.

local threads = {}
counters = counters or {}

function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local e = summary.errors
  local extra = {}
  for _, name in ipairs(counters) do
    local total = 0
    for _, thread in ipairs(threads) do
      total = total + (thread:get(name) or 0)
    end
    table.insert(extra, string.format('"%s": %d', name, total))
  end
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "status_errors": %d, "socket_errors": %d, "counters": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout,
    table.concat(extra, ", ")))
end
