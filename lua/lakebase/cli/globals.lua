--- Global flags: the options every CLI-shaped command (postgres, api, auth, psql, query) takes, as
-- the Databricks CLI's persistent flags are taken: before the subcommand, or anywhere after it up
-- to a `--` (what follows `--` belongs to the command, e.g. psql's own `-p PORT`). Flags are
-- written `--name value`, `--name=value`, `-x value`, `-xvalue` or `-x=value`; a boolean flag
-- also `--name=true|false`. Flags the command itself defines win over global ones of the same
-- name (`query --target` is the query's target, not a bundle target).
local log = require "lakebase.base.log"

local M = {}

-- long name, short letter, value placeholder (nil for a boolean), help line; `values` lists what a
-- flag accepts, for shell completion (cli/complete.lua).
M.FLAGS = {
  { long = "profile", short = "p", value = "NAME", help = "~/.databrickscfg profile (over DATABRICKS_CONFIG_PROFILE)" },
  { long = "host", value = "URL", help = "workspace URL (over DATABRICKS_HOST)" },
  { long = "auth-type", value = "TYPE", help = "auth method: pat, basic, oauth-m2m or databricks-cli",
    values = { "pat", "basic", "oauth-m2m", "databricks-cli" } },
  { long = "output", short = "o", value = "FORMAT", help = "output type: text, json, yaml, or csv for lists (default text, or DATABRICKS_OUTPUT_FORMAT)",
    values = { "text", "json", "yaml", "csv" } },
  { long = "debug", help = "log every HTTP request to stderr, secrets redacted (as --verbose)" },
  { long = "verbose", short = "v", help = "the same as --debug" },
  { long = "quiet", short = "q", help = "no progress output" },
  { long = "local", help = "run against an embedded emulator started for this command" },
  { long = "keep", help = "leave ephemeral resources in place" },
  { long = "log-level", value = "LEVEL", help = "trace or debug log requests (as --debug); info, warn, error, disabled do not",
    values = { "trace", "debug", "info", "warn", "error", "disabled" } },
  { long = "log-file", value = "FILE", help = "write the debug log to FILE instead of stderr" },
  { long = "log-format", value = "FORMAT", help = "debug log lines as text (default) or json", values = { "text", "json" } },
  { long = "target", short = "t", value = "NAME", help = "bundle target: accepted for compatibility and ignored (lakebase has no bundles)" },
  { long = "retry-timeout", value = "DURATION", help = "how long one API call keeps retrying 429/503 and transient failures (default 300s)" },
}
local BY_LONG, BY_SHORT = {}, {}
for _, f in ipairs(M.FLAGS) do
  BY_LONG[f.long] = f
  if f.short then BY_SHORT[f.short] = f end
end

M.LOG_LEVELS = {}
for _, level in ipairs(BY_LONG["log-level"].values) do M.LOG_LEVELS[level] = true end

--- A fresh state: what the global flags set. `auth` holds --host/--profile/--auth-type with
-- auth.sources naming the flag each came from (for `auth describe`).
function M.new_state()
  return { auth = { sources = {} } }
end

local function bool_value(flag, inline)
  if inline == nil or inline == "true" then return true end
  if inline == "false" then return false end
  return nil, "flag '--" .. flag.long .. "' takes true or false, got '" .. inline .. "'"
end

--- Applies one flag with its value (a string, or a boolean for boolean flags) to `state`.
-- Returns nil, or a usage message naming the bad value.
function M.apply(state, flag, value)
  local long = flag.long
  if long == "host" or long == "profile" or long == "auth-type" then
    if value == "" then return "option '--" .. long .. "' needs a value" end
    local key = long:gsub("-", "_")
    state.auth[key] = value
    state.auth.sources[key] = "--" .. long .. " flag"
  elseif long == "output" then
    state.output = value:lower()
  elseif long == "debug" or long == "verbose" then
    log.verbose = value
  elseif long == "quiet" then
    log.quiet = value
  elseif long == "local" then
    state.local_mode = value
  elseif long == "keep" then
    require("lakebase.runtime.cleanup").keep = value
  elseif long == "log-level" then
    local level = value:lower()
    if not M.LOG_LEVELS[level] then
      return "--log-level must be one of trace, debug, info, warn, error, disabled, got '" .. value .. "'"
    end
    log.verbose = level == "trace" or level == "debug"
  elseif long == "log-file" then
    if value == "" then return "option '--log-file' needs a file name" end
    local f, err = io.open(value, "a")
    if not f then return "cannot open --log-file " .. tostring(err) end
    f:setvbuf("line")
    log.file = f
  elseif long == "log-format" then
    local fmt = value:lower()
    if fmt ~= "text" and fmt ~= "json" then return "--log-format must be text or json, got '" .. value .. "'" end
    log.format = fmt
  elseif long == "target" then
    state.target = value
  elseif long == "retry-timeout" then
    local retry = require "lakebase.api.retry"
    local secs, why = retry.parse_timeout(value, "--retry-timeout")
    if not secs then return why end
    retry.timeout, retry.timeout_problem = secs, nil
  end
  return nil
end

--- Recognises a global flag at args[i]. `own` is the set of flags the command defines itself
-- ({["target"] = true, ["t"] = true, ...}), which are never taken. Returns the flag, its value and
-- the index after it; or nil when args[i] is not a global flag; or false and a usage message.
function M.match(args, i, own)
  local a = args[i]
  own = own or {}
  local long, inline = a:match("^%-%-([%w][%w-]*)=(.*)$")
  if not long then long = a:match("^%-%-([%w][%w-]*)$") end
  local flag
  if long then
    if own[long] then return nil end
    flag = BY_LONG[long]
  else
    local short, rest = a:match("^%-(%a)(.*)$")
    if not short or own[short] then return nil end
    flag = BY_SHORT[short]
    if flag and rest ~= "" then
      if not flag.value and rest ~= "" then return nil end  -- -vq and the like: not ours
      inline = rest:sub(1, 1) == "=" and rest:sub(2) or rest
    end
  end
  if not flag then return nil end
  if not flag.value then
    local v, why = bool_value(flag, inline)
    if v == nil then return false, why end
    return flag, v, i + 1
  end
  if inline then return flag, inline, i + 1 end
  local v = args[i + 1]
  if v == nil then return false, "option '" .. a .. "' needs a value (" .. flag.value .. ")" end
  return flag, v, i + 2
end

--- Takes the global flags out of args[from..] up to a `--`, applying them to `state`; returns the
-- remaining arguments in order (everything from `--` on kept as it is), or nil and a usage
-- message. `own` maps the command's own flags that take a value to true (their values are
-- skipped: `--json -p` keeps `-p` as the JSON) and its own boolean flags to false.
function M.extract(args, from, state, own)
  own = own or {}
  local out = {}
  for j = 1, from - 1 do out[j] = args[j] end
  local i = from
  while args[i] ~= nil do
    local a = args[i]
    if a == "--" then
      for j = i, #args do out[#out + 1] = args[j] end
      break
    end
    local flag, value, nexti = M.match(args, i, own)
    if flag == false then return nil, value end
    if flag then
      local why = M.apply(state, flag, value)
      if why then return nil, why end
      i = nexti
    else
      out[#out + 1] = a
      local name = a:match("^%-%-([%w][%w-]*)$") or a:match("^%-(%a)$")
      if name and own[name] then  -- the command's flag with its value in the next argument
        i = i + 1
        if args[i] ~= nil then out[#out + 1] = args[i] end
      end
      i = i + 1
    end
  end
  return out
end

--- The effective output format: --output if given, else DATABRICKS_OUTPUT_FORMAT when it names
-- one of `allowed` (other values are ignored, as the Databricks CLI ignores them), else "text".
-- Returns the format and whether it was chosen explicitly, or nil and a usage message when
-- --output names a format not in `allowed`.
function M.output(state, allowed)
  allowed = allowed or { "text", "json" }
  local ok = {}
  for _, f in ipairs(allowed) do ok[f] = true end
  if state.output then
    if ok[state.output] then return state.output, true end
    return nil, "--output must be " .. table.concat(allowed, ", ", 1, #allowed - 1) .. " or " .. allowed[#allowed] ..
      ", got '" .. state.output .. "'"
  end
  local env = (os.getenv("DATABRICKS_OUTPUT_FORMAT") or ""):lower()
  if ok[env] then return env, true end
  return "text", false
end

--- Help text for the global flags.
function M.help()
  local lines = { "Global flags (before or after the command and its arguments, up to --):" }
  for _, f in ipairs(M.FLAGS) do
    local name = (f.short and ("-" .. f.short .. ", ") or "    ") .. "--" .. f.long .. (f.value and (" " .. f.value) or "")
    lines[#lines + 1] = string.format("  %-24s %s", name, f.help)
  end
  return table.concat(lines, "\n") .. "\n"
end

return M
