-- wrk script of bench/http_ratio.py: one request shape per run, and a machine-readable summary.
--
--   wrk -t1 -c4 -d10s -s bench/wrk.lua http://127.0.0.1:PORT -- METHOD PATH TOKEN RUN BODY
--
-- METHOD  GET, POST, PUT, ...
-- PATH    the request path with its query string
-- TOKEN   a bearer token, or "-" for none
-- RUN     a number (0-9999) that makes this run's write bodies unique
-- BODY    a JSON body template, or "-" for none. Placeholders, replaced for every request:
--           {uid}     a unique lower-case token: b<RUN>t<thread>n<counter>
--           {digits}  a unique 17-digit number (for an ID number: 17 digits and a check digit)
--           {n}       the thread's request counter
--
-- done() prints one line `BENCH_JSON {...}`: requests, duration, non-2xx/3xx count, socket
-- errors and the latency percentiles (microseconds), which the Python side parses.

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("tid", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local method, path, headers, template, run
local counter = 0
local fixed = nil

function init(args)
   method = args[1] or "GET"
   path = args[2] or "/"
   local token = args[3] or "-"
   run = tonumber(args[4] or "0") or 0
   template = args[5]
   if template == "-" or template == "" then
      template = nil
   end
   headers = { ["Accept"] = "application/json" }
   if token ~= "-" then
      headers["Authorization"] = "Bearer " .. token
   end
   if template ~= nil then
      headers["Content-Type"] = "application/json"
   else
      fixed = wrk.format(method, path, headers, nil)
   end
end

function request()
   if fixed ~= nil then
      return fixed
   end
   counter = counter + 1
   local uid = string.format("b%dt%dn%d", run, tid, counter)
   local digits = string.format("%04d%01d%012d", run % 10000, tid % 10, counter)
   local body = template:gsub("{uid}", uid):gsub("{digits}", digits):gsub("{n}", tostring(counter))
   return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "non_2xx": %d, ' ..
      '"connect": %d, "read": %d, "write": %d, "timeout": %d, ' ..
      '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
      summary.requests, summary.duration, summary.bytes, e.status,
      e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
