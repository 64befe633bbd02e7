--- The Markdown summary of a schema diff, for a pull-request comment: a table of databases with
-- their added and removed lines, and the diff itself in a folded block, cut to fit GitHub's
-- comment limit (65,536 characters) with a note pointing at the diff file.
local M = {}

M.MAX_DIFF = 60000

--- results: { {database=, added=, removed=, diff=, missing=} } in order.
function M.markdown(branch, base, results, diff_file)
  local lines = { "### Schema diff", "", string.format("`%s` against `%s`", branch, base), "",
    "| database | changes |", "|---|---|" }
  local diff_parts = {}
  for _, r in ipairs(results) do
    local what
    if r.missing then what = "only on " .. (r.missing == "base" and "the branch" or "the base")
    elseif r.diff == "" then what = "no change"
    else what = string.format("+%d −%d lines", r.added, r.removed) end
    lines[#lines + 1] = string.format("| `%s` | %s |", r.database, what)
    if r.diff ~= "" then diff_parts[#diff_parts + 1] = r.diff end
  end
  lines[#lines + 1] = ""
  if #diff_parts == 0 then
    lines[#lines + 1] = "No schema changes."
    return table.concat(lines, "\n") .. "\n"
  end
  -- A fence inside the diff cannot end the block (a zero-width space breaks it).
  local diff = table.concat(diff_parts):gsub("```", "`\226\128\139``")
  local cut = #diff > M.MAX_DIFF
  if cut then diff = diff:sub(1, M.MAX_DIFF):gsub("[^\n]*$", "") end
  lines[#lines + 1] = "<details><summary>Diff</summary>"
  lines[#lines + 1] = ""
  lines[#lines + 1] = "```diff"
  lines[#lines + 1] = (diff:gsub("\n$", ""))
  lines[#lines + 1] = "```"
  lines[#lines + 1] = ""
  lines[#lines + 1] = "</details>"
  if cut then lines[#lines + 1] = "" lines[#lines + 1] = "(cut short; the whole diff is in " .. diff_file .. ")" end
  return table.concat(lines, "\n") .. "\n"
end

return M
