--- Text from elsewhere (a server's message, a resource's name, a database value) made safe to print
-- on a terminal: control characters (C0 but tab and line feed, DEL, the C1 controls such as the
-- one-byte CSI), bidi overrides and bytes that are not UTF-8 become visible escapes (\x1B,
-- \u009B, \u202E, \xFF), so what is printed cannot retitle the window, clear the screen, overwrite
-- a line with CR or reorder what the reader sees. JSON, YAML and CSV output keep values as they are.
local M = {}

local NAMED = { ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r" }

-- The length of the UTF-8 sequence that byte `b` starts (0: it starts none).
local function sequence_length(b)
  if b < 0x80 then return 1 end
  if b >= 0xC2 and b <= 0xDF then return 2 end
  if b >= 0xE0 and b <= 0xEF then return 3 end
  if b >= 0xF0 and b <= 0xF4 then return 4 end
  return 0
end

local function shown_raw(cp, one_line)
  if cp < 0x20 then return not one_line and (cp == 9 or cp == 10) end
  if cp >= 0x7F and cp <= 0x9F then return false end
  return not ((cp >= 0x202A and cp <= 0x202E) or (cp >= 0x2066 and cp <= 0x2069))
end

--- `s` with what could drive a terminal escaped; `one_line` escapes tabs and line breaks too (a
-- table cell). Text with nothing to escape is returned as it is.
function M.text(s, one_line)
  s = tostring(s)
  if not s:find(one_line and "[%z\1-\31\127-\255]" or "[%z\1-\8\11-\31\127-\255]") then return s end
  local out, i, n = {}, 1, #s
  while i <= n do
    local b = s:byte(i)
    local len = sequence_length(b)
    local ch = len > 0 and s:sub(i, i + len - 1)
    local cp = ch and #ch == len and utf8.len(ch) == 1 and utf8.codepoint(ch)
    if not cp then
      out[#out + 1], i = string.format("\\x%02X", b), i + 1
    else
      if shown_raw(cp, one_line) then out[#out + 1] = ch
      else out[#out + 1] = NAMED[ch] or string.format(cp < 0x80 and "\\x%02X" or "\\u%04X", cp) end
      i = i + len
    end
  end
  return table.concat(out)
end

return M
