-- Writes lakebase.1 from the program's own --help (and each command's), so the manual page never
-- drifts from the help: run at build time as `lakebase run cmake/manpage.lua LAKEBASE OUT`.
-- The main help's blocks map to sections: the usage lines to SYNOPSIS, "Options ...:",
-- "Exit status:" and "Environment:" to OPTIONS, EXIT STATUS and ENVIRONMENT (an item is a line
-- indented by two with its text after two or more spaces, continued by deeper lines), other
-- paragraphs to DESCRIPTION; each command's help follows under COMMANDS as it prints.
local exe, out_path = arg[1], arg[2]
assert(exe and out_path, "usage: lakebase run manpage.lua LAKEBASE OUT")

-- Commands whose help goes in: those the main help points to ("see 'lakebase X --help'"), then
-- these, which it describes on their usage line only.
local MORE_COMMANDS = { "psql", "query", "types" }
local SECTIONS = { ["^Options"] = "OPTIONS", ["^Exit status"] = "EXIT STATUS", ["^Environment"] = "ENVIRONMENT" }

local function help(args)
  local argv = { exe, table.unpack(args) }
  argv.env = { PATH = os.getenv("PATH"), HOME = "/nonexistent" }
  local r = lakebase.exec(argv)
  if r.code ~= 0 or r.stdout == "" then
    error(table.concat(argv, " ") .. " exited " .. tostring(r.code) .. ": " .. tostring(r.stderr), 0)
  end
  return r.stdout
end

-- Text for roff: backslashes and hyphens escaped, no line starting with a control character.
local function esc(s)
  s = s:gsub("\\", "\\e"):gsub("%-", "\\-")
  if s:match("^[.']") then s = "\\&" .. s end
  return s
end

local function blocks(text)
  local list, cur = {}, {}
  for line in (text .. "\n"):gmatch("(.-)\n") do
    if line:match("^%s*$") then
      if #cur > 0 then list[#list + 1] = cur cur = {} end
    else
      cur[#cur + 1] = line
    end
  end
  if #cur > 0 then list[#list + 1] = cur end
  return list
end

-- A section's items: .TP with the term, the text after it and its continuation lines.
local function items(lines, first, out)
  local i = first
  while i <= #lines do
    local line = lines[i]
    local term, text = line:match("^  (%S.-)%s%s+(%S.*)$")
    if not term and line:match("^  %S") then term, text = line:match("^  (.-)%s*$"), nil end
    if term then
      out[#out + 1] = ".TP"
      out[#out + 1] = "\\fB" .. esc(term) .. "\\fR"
      if text then out[#out + 1] = esc(text) end
      i = i + 1
      while lines[i] and lines[i]:match("^   ") do
        out[#out + 1] = esc(lines[i]:match("^%s*(.-)%s*$"))
        i = i + 1
      end
    else
      out[#out + 1] = ".PP"
      out[#out + 1] = esc(line)
      i = i + 1
    end
  end
end

local main = help { "--help" }
local commands, seen = {}, {}
local function add_command(words)
  if seen[words] then return end
  seen[words] = true
  local args = {}
  for w in words:gmatch("%S+") do args[#args + 1] = w end
  args[#args + 1] = "--help"
  commands[#commands + 1] = args
end
for words in main:gmatch("see 'lakebase ([%w %-]-) %-%-help'") do add_command(words) end
for _, words in ipairs(MORE_COMMANDS) do add_command(words) end
local version = help({ "--version" }):match("^lakebase (%S+)") or "?"
local synopsis, description, sections, order = {}, {}, {}, {}
for _, b in ipairs(blocks(main)) do
  -- A heading may take several lines ("Options (...\n...):"), none of them indented.
  local heading, first = b[1], 2
  while b[first] and not b[first]:match("^%s") and not heading:match(":$") do
    heading, first = heading .. " " .. b[first], first + 1
  end
  local section
  for pattern, name in pairs(SECTIONS) do
    if heading:match(pattern) and heading:match(":$") then section = name end
  end
  if b[1]:match("^usage: ") then
    for _, line in ipairs(b) do synopsis[#synopsis + 1] = esc((line:gsub("^usage: ", ""):gsub("^%s+", ""))) end
  elseif section then
    local out = sections[section] or {}
    if not sections[section] then order[#order + 1] = section end
    sections[section] = out
    local note = heading:match("^%S[^(]*%((.*)%):$")
    if note then out[#out + 1] = esc("Note: " .. note .. ".") end
    items(b, first, out)
  else
    description[#description + 1] = ".PP"
    for _, line in ipairs(b) do description[#description + 1] = esc(line:match("^%s*(.-)%s*$")) end
  end
end

local out = {
  '.TH LAKEBASE 1 "" "lakebase ' .. esc(version) .. '" "User Commands"',
  ".SH NAME",
  "lakebase \\- script Databricks Lakebase Autoscaling in Lua, with commands shaped like the Databricks CLI's",
  ".SH SYNOPSIS", ".nf" }
for _, l in ipairs(synopsis) do out[#out + 1] = l end
out[#out + 1] = ".fi"
out[#out + 1] = ".SH DESCRIPTION"
for _, l in ipairs(description) do out[#out + 1] = l end
for _, name in ipairs(order) do
  out[#out + 1] = ".SH " .. name
  for _, l in ipairs(sections[name]) do out[#out + 1] = l end
end
out[#out + 1] = ".SH COMMANDS"
out[#out + 1] = "Each command's own help, as \\fBlakebase\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR prints it."
for _, args in ipairs(commands) do
  local name = table.concat(args, " ", 1, #args - 1)
  out[#out + 1] = ".SS lakebase " .. esc(name)
  out[#out + 1] = ".nf"
  for line in help(args):gmatch("(.-)\n") do out[#out + 1] = line == "" and "" or esc(line) end
  out[#out + 1] = ".fi"
end
out[#out + 1] = ".SH SEE ALSO"
out[#out + 1] = "\\fBpsql\\fR(1), \\fBdatabricks\\fR(1)"

local f = assert(io.open(out_path, "w"))
f:write(table.concat(out, "\n"), "\n")
f:close()
