-- wrk script: every request POSTs one unique event carrying its send time,
-- "bench-ts=<unix µs>-<thread>-<n>", so herald's duplicate filter keeps it
-- and the sink can compute intake→sink latency.
-- BENCH_BODY=flux (default): a ~580-byte Flux event to "/".
-- BENCH_BODY=am: one Alertmanager alert to /api/v2/alerts.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local counter, tid = 0, 0
local threads_made = 0
local am = os.getenv("BENCH_BODY") == "am"

function setup(thread)
  threads_made = threads_made + 1
  thread:set("tid", threads_made)
end

local function token()
  counter = counter + 1
  ffi.C.clock_gettime(0, ts)  -- CLOCK_REALTIME, as the sink reads it
  local us = tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
  return string.format("%.0f-%d-%d", us, tid, counter)
end

local headers = {["Content-Type"] = "application/json"}
local flux_head = '{"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"apps",' ..
  '"uid":"7d0cdc51-ddcf-4743-b223-83ca5c699632","apiVersion":"kustomize.toolkit.fluxcd.io/v1",' ..
  '"resourceVersion":"12345"},"severity":"info","timestamp":"2024-01-01T00:00:00Z",' ..
  '"message":"Service/default/podinfo configured bench-ts='
local flux_tail = '","reason":"ReconciliationSucceeded","metadata":{"revision":' ..
  '"main@sha1:3b7bd1ff2d5f6ff6e4c2c1bbff56d6b7e8e1a2c3","summary":"prod cluster"},' ..
  '"reportingController":"kustomize-controller","reportingInstance":"kustomize-controller-7f5d6c9b8-x2x4z"}'

function request()
  if am then
    local body = '[{"labels":{"alertname":"Bench","severity":"info","id":"bench-ts=' .. token() ..
      '"},"annotations":{"summary":"Kustomization/flux-system/apps reconciled"}}]'
    return wrk.format("POST", "/api/v2/alerts", headers, body)
  end
  return wrk.format("POST", "/", headers, flux_head .. token() .. flux_tail)
end
