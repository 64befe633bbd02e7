--- One progress line on stderr while operations are being waited for, only when stderr is a
-- terminal and not --quiet: "⋯ waiting for 3 operations (12s): projects/p/branches/b". Concurrent
-- waits share the line.
local core = require "lakebase.core"
local log = require "lakebase.base.log"

local M = {}
local waits, count, ticker = {}, 0, nil
local shown = false

local function enabled()
  return not log.quiet and core.isatty(2)
end

local function render()
  local oldest, label
  for w in pairs(waits) do
    if not oldest or w.started < oldest then oldest, label = w.started, w.label end
  end
  if not oldest then return end
  local text = string.format("waiting for %s (%.0fs): %s", count == 1 and "1 operation" or (count .. " operations"),
    core.now() - oldest, label)
  if #text > 100 then text = text:sub(1, 97) .. "..." end
  io.stderr:write("\r\27[K", text)
  io.stderr:flush()
  shown = true
end

local function clear()
  if shown then io.stderr:write("\r\27[K") io.stderr:flush() shown = false end
end

--- Registers a wait; returns a function that ends it.
function M.begin(label)
  if not enabled() then return function() end end
  local w = { label = label, started = core.now() }
  waits[w] = true
  count = count + 1
  if not ticker then
    local sched = require "lakebase.runtime.sched"
    ticker = sched.spawn(function()
      while count > 0 do
        sched.sleep(0.5)
        render()
      end
    end)
    ticker.name = "progress"
  end
  return function()
    if waits[w] then
      waits[w] = nil
      count = count - 1
      if count == 0 then
        clear()
        if ticker then ticker:cancel() ticker = nil end
      end
    end
  end
end

return M
