-- The requests the Databricks CLI and Terraform sent to a live workspace (tests/conformance/*.json)
-- as `lakebase postgres` command lines (create-KIND PARENT ID --json BODY [--replace-existing],
-- update-KIND NAME MASK --json BODY, delete-KIND NAME [--purge], get-KIND NAME): each must exit 0
-- where the service accepted the request and 1 (naming its error code) where it refused it, and
-- put the recorded request on the wire (replay_client.lua).
local T = require "testlib"
local replay = require "replay"
local replay_client = require "replay_client"

local EXE = arg[-1]
local dir = arg[0]:match("^(.*)/lua/[^/]*$") .. "/conformance"

for _, file in ipairs(replay.load(dir)) do
  for _, sc in ipairs(file.scenarios) do
    T.test(file.file .. ": " .. sc.name, function() replay_client.run(sc, "command", EXE) end)
  end
end

T.run()
