-- wrk script: random customer list pages/searches and profiles, p50/p95/p99 at the end.
-- env: FIDELIS_COOKIE (session cookie), N_CUSTOMERS, MODE = list | filter | search | profile
local cookie = os.getenv("FIDELIS_COOKIE")
local n = tonumber(os.getenv("N_CUSTOMERS") or "1000")
local mode = os.getenv("MODE") or "profile"
local names = {"%E7%8E%8B", "%E6%9D%8E%E5%A8%9C", "Emma", "C00012", "138", "Smith"}
math.randomseed(os.time())
request = function()
  local path
  if mode == "list" then
    path = "/customers?page=" .. math.random(1, 200)
  elseif mode == "filter" then
    path = "/customers?region=%E4%B8%8A%E6%B5%B7&page=" .. math.random(1, 50)
  elseif mode == "search" then
    path = "/customers?q=" .. names[math.random(#names)]
  else
    path = "/customers/" .. math.random(1, n)
  end
  return wrk.format("GET", path, { ["Cookie"] = cookie })
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT mode=%s requests=%d errors=%d rps=%.0f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f\n",
    mode, summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
