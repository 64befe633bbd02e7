--- A compute without PostgreSQL: endpoints get a made-up port and nothing runs. For API-shape
-- tests and benchmarks that create thousands of branches (`lakebase emulator --no-postgres`).
local M = {}

function M.new()
  local next_port = 40000
  local c = {}
  function c.init_branch() end
  function c.copy_branch() end
  function c.start_endpoint(ep)
    if not ep.runtime.port then
      next_port = next_port + 1
      ep.runtime.port = next_port
    end
  end
  function c.stop_endpoint() end
  function c.apply_role() end
  function c.drop_role() end
  function c.apply_database() end
  function c.drop_database() end
  function c.set_password() end
  function c.shutdown() end
  function c.resume() end
  return c
end

return M
