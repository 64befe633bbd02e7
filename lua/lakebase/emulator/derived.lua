--- Resources the service makes and keeps by itself, as listings and GETs see them: the compute
-- instances of an endpoint (one per compute the emulator runs for it, following its state) and the
-- replication status of each table under a CDF config (kept in step with the real tables by
-- lakebase.emulator.cdf), and the empty value of a singleton that always exists.
local schema = require "lakebase.api.schema"
local records = require "lakebase.emulator.records"

local M = {}

-- A compute instance's id, stable for its endpoint: the endpoint runs one compute.
local function instance_id(ep) return "ci-" .. ep.uid:gsub("^ep%-", ""):gsub("%-", ""):sub(1, 16) end

local makers = {}

function makers.compute_instance(_, ep)
  local id = instance_id(ep)
  return { { kind = "compute_instance", id = id, parent = ep.name, spec = {}, runtime = {},
    name = schema.name_of(schema.compute_instance, ep.name, id) } }
end

local syncs = {
  cdf_status = function(E, config) require("lakebase.emulator.cdf").sync(E, config) end,
}

--- The records of `def` under `parent_rec` when the service makes them itself (sorted by name):
-- a list for kinds never stored (compute instances); nil for stored ones, after bringing those up
-- to date (CDF statuses).
function M.children(E, def, parent_rec)
  if not parent_rec then return nil end
  if syncs[def.kind] then syncs[def.kind](E, parent_rec) end
  return makers[def.kind] and makers[def.kind](E, parent_rec) or nil
end

--- The unset value of a singleton that always exists (a snapshot schedule never configured); not
-- stored until it is updated.
function M.empty(E, def, parent_rec)
  return records.new(E, def.kind, parent_rec.name, nil, {}, {})
end

return M
