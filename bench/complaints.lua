-- wrk script for the complaints benchmark: pages and transitions, p50/p95/p99 at the end.
-- env: FIDELIS_COOKIE (a manager's session), TOKEN (an API token), MODE = list | overview |
-- mine | case | step, N_CASES, IDS (a file of case ids in state "received", for step).
local cookie = os.getenv("FIDELIS_COOKIE")
local token = os.getenv("TOKEN")
local mode = os.getenv("MODE") or "list"
local n = tonumber(os.getenv("N_CASES") or "1000")
local ids = {}
if mode == "step" then
  for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
end
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end
local next_id = 0
math.randomseed(os.time())
request = function()
  if mode == "step" then
    -- Each case once: thread k takes ids k, k + T, k + 2T, … (T = 2 threads).
    next_id = next_id + 1
    local i = (next_id - 1) * 2 + (tid or 1)
    local id = ids[i] or ids[#ids]
    return wrk.format("POST", "/api/v1/complaints/" .. id .. "/steps",
      { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" },
      '{"version":1,"action":"acknowledge","note":"listened and apologised"}')
  end
  local path
  if mode == "list" then
    path = "/complaints?view=open&page=" .. math.random(1, 100)
  elseif mode == "overview" then
    path = "/api/v1/complaints/overview"
    return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
  elseif mode == "mine" then
    path = "/complaints?view=mine"
  else
    path = "/complaints/" .. math.random(1, n)
  end
  return wrk.format("GET", path, { ["Cookie"] = cookie })
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT mode=%s requests=%d errors=%d rps=%.0f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f\n",
    mode, summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
