--- New emulator records, made by a create request or by the service itself (implicit and inherited
-- resources, CDF statuses): the fields every resource has, named as the schema names it.
local validate = require "lakebase.api.validate"
local schema = require "lakebase.api.schema"

local M = {}

--- A record of `kind` with `id` under `parent` (nil at the top; singletons take no id).
function M.new(E, kind, parent, id, spec, runtime)
  local t = validate.format_time(E.clock())
  runtime = runtime or {}
  runtime.created_at = runtime.created_at or E.clock()
  local def, time, seq = schema[kind], math.floor(E.clock()) & 0xffffffff, E.store:next_seq() & 0xffff
  -- Branches and endpoints have the service's prefixed uids ("br-...", "ep-..." [live]); the
  -- others UUIDs.
  local uid = def.uid_prefix and string.format("%s%08x-%04x-%06x", def.uid_prefix, time, seq, E.rng(0xffffff))
    or string.format("%08x-%04x-4%03x-8%03x-%012x", time, seq, E.rng(0xfff), E.rng(0xfff), E.rng(0xffffffffff))
  return { kind = kind, id = id, parent = parent, name = schema.name_of(def, parent, id), uid = uid,
    create_time = t, update_time = t, spec = spec, runtime = runtime }
end

--- The record of `kind` with `id` under `parent` made by the service itself, unless one is there
-- already (a re-run after a restart). Returns it and whether it is new.
function M.implicit(E, kind, parent, id, spec, runtime)
  local existing = E.store:get(schema.name_of(schema[kind], parent, id), true)
  if existing then return existing, false end
  local rec = M.new(E, kind, parent, id, spec, runtime)
  E.store:put(rec)
  return rec, true
end

return M
