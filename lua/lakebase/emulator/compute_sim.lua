--- A compute without PostgreSQL: endpoints get a made-up port and nothing runs. For API-shape
-- tests and benchmarks that create thousands of branches (`lakebase emulator --no-postgres`).
local M = {}

function M.new()
  local next_port = 40000
  local c = {}
  -- The same functions as compute_pg's, doing nothing:
  function c.init_branch(_branch, _pg_version, _opts) end
  function c.copy_branch(_src, _branch) end
  function c.start_endpoint(ep)
    if not ep.runtime.port then
      next_port = next_port + 1
      ep.runtime.port = next_port
    end
  end
  function c.stop_endpoint(_ep, _remove) end
  function c.apply_role(_branch, _role) end
  function c.drop_role(_branch, _role, _reassign_to) end
  function c.apply_database(_branch, _db, _previous_spec) end
  function c.drop_database(_branch, _db) end
  function c.shutdown() end
  function c.resume() end
  return c
end

return M
