--- A compute without PostgreSQL: endpoints get a made-up port and nothing runs. For API-shape
-- tests and benchmarks that create thousands of branches (`lakebase emulator --no-postgres`).
local M = {}

function M.new(E)
  local next_port = 40000
  local c = {}
  function c.init_branch() end
  function c.copy_branch() end
  function c.start_endpoint(ep)
    if not ep.runtime.port then
      next_port = next_port + 1
      ep.runtime.port = next_port
    end
    ep.runtime.start_time = require("lakebase.api.validate").format_time(E.clock())
  end
  function c.stop_endpoint(ep)
    if ep.runtime.state == "ACTIVE" then ep.runtime.suspend_time = require("lakebase.api.validate").format_time(E.clock()) end
  end
  function c.apply_role() end
  function c.drop_role() end
  function c.apply_database() end
  function c.drop_database() end
  function c.set_password() end
  -- Nothing runs, so nothing can be read from a database or measured on disk.
  function c.query() return nil end
  function c.data_size() return nil end
  function c.remove_data() end
  function c.shutdown() end
  function c.resume() end
  return c
end

return M
