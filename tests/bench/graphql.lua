-- wrk script: POSTs the GraphQL bodies of a file (one JSON body per line) to
-- /graphql in turn, each with one of the bearer tokens of a second file, and
-- counts the answers that are not a 200 without "errors".
--   wrk -s tests/bench/graphql.lua http://127.0.0.1:PORT -- bodies.txt tokens.txt
local bodies, tokens, threads = {}, {}, {}
local n = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  for line in io.lines(args[2]) do tokens[#tokens + 1] = line end
  n = math.random(#bodies)
  failed = 0
end

function request()
  n = n + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[n % #tokens + 1],
  }
  return wrk.format("POST", "/graphql", headers, bodies[n % #bodies + 1])
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("failed") end
  io.write(string.format("failed answers: %d\n", total))
end
