--- Diagnostics on stderr: `--verbose`/`LAKEBASE_DEBUG` turns on debug lines; `--quiet` silences
-- progress. Every line goes through redact.text, so no secret is ever printed.
local redact = require "lakebase.base.redact"

local M = {
  verbose = (os.getenv("LAKEBASE_DEBUG") or "") ~= "" and os.getenv("LAKEBASE_DEBUG") ~= "0",
  quiet = false,
}

--- Writes one debug line when verbose.
function M.debug(fmt, ...)
  if not M.verbose then return end
  io.stderr:write("lakebase: ", redact.text(string.format(fmt, ...)), "\n")
end

--- Writes one line of news about a wait the user may wonder about (a retry), unless --quiet.
function M.notice(fmt, ...)
  if M.quiet then return end
  io.stderr:write("lakebase: ", redact.text(string.format(fmt, ...)), "\n")
end

--- Writes one warning line.
function M.warn(fmt, ...)
  io.stderr:write("lakebase: warning: ", redact.text(string.format(fmt, ...)), "\n")
end

return M
