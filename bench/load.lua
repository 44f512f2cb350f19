-- wrk script for the load test (bench/load.sh): agents working their cases and customers
-- answering survey links, mixed, each write on its own case or link (so every one is a real
-- change that must succeed), reads in between. Prints one RESULT line at the end.
-- env: TOKEN (an agent's API token), CASES (file of case ids in state "received"), LINKS (file of
-- personal survey-link tokens), THREADS (wrk's -t).
local token = os.getenv("TOKEN")
local threads_n = tonumber(os.getenv("THREADS") or "2")
local function lines(path)
  local t = {}
  for l in io.lines(path) do t[#t + 1] = l end
  return t
end
local cases = lines(os.getenv("CASES"))
local links = lines(os.getenv("LINKS"))
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
-- Thread k takes items k, k + T, k + 2T, … of each list: each item once.
local next_case, next_link, n = 0, 0, 0
local auth = nil
request = function()
  auth = auth or { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json", ["Accept-Language"] = "zh-CN" }
  n = n + 1
  local r = n % 10
  if r < 3 then
    local i = next_case * threads_n + (tid or 1)
    if cases[i] then
      next_case = next_case + 1
      return wrk.format("POST", "/api/v1/complaints/" .. cases[i] .. "/steps", auth,
        '{"version":1,"action":"acknowledge","note":"已致电客户致歉 load test"}')
    end
  elseif r < 6 then
    local i = next_link * threads_n + (tid or 1)
    if links[i] then
      next_link = next_link + 1
      return wrk.format("POST", "/api/v1/public/surveys/" .. links[i],
        { ["Content-Type"] = "application/json" },
        '{"answers":{"NPS":' .. (n % 11) .. '},"submit":true}')
    end
  end
  if r % 2 == 0 then
    return wrk.format("GET", "/api/v1/complaints?mine=1&limit=20", auth)
  end
  return wrk.format("GET", "/api/v1/complaints/" .. cases[(n % #cases) + 1], auth)
end
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d errors=%d (status %d, connect %d, read %d, write %d, timeout %d) rps=%.0f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
    summary.requests, errors, summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
