--- Diagnostics on stderr: `--verbose`/`LAKEBASE_DEBUG` turns on debug lines; `--quiet` silences
-- progress. Every line goes through redact.text, so no secret is ever printed. `file` (--log-file)
-- takes the debug lines instead of stderr; `format` "json" (--log-format json) writes each as a
-- JSON object {time, level, msg}.
local redact = require "lakebase.base.redact"
local printable = require "lakebase.base.printable"

-- A line's text: no secret, and nothing that could drive the terminal (a server's words are in it).
local function line_text(fmt, ...)
  return printable.text(redact.text(string.format(fmt, ...)))
end

local M = {
  verbose = (os.getenv("LAKEBASE_DEBUG") or "") ~= "" and os.getenv("LAKEBASE_DEBUG") ~= "0",
  quiet = false,
  file = nil,
  format = "text",
}

--- Writes one debug line when verbose.
function M.debug(fmt, ...)
  if not M.verbose then return end
  local msg = line_text(fmt, ...)
  local out = M.file or io.stderr
  if M.format == "json" then
    local json = require "lakebase.base.json"
    out:write(json.encode { time = os.date("!%Y-%m-%dT%H:%M:%SZ"), level = "DEBUG", msg = msg }, "\n")
  else
    out:write("lakebase: ", msg, "\n")
  end
end

--- Writes one line of news about a wait the user may wonder about (a retry), unless --quiet.
function M.notice(fmt, ...)
  if M.quiet then return end
  io.stderr:write("lakebase: ", line_text(fmt, ...), "\n")
end

--- Writes one warning line.
function M.warn(fmt, ...)
  io.stderr:write("lakebase: warning: ", line_text(fmt, ...), "\n")
end

return M
