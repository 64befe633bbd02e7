-- How the REPL prints results, on rows from the emulator's real PostgreSQL: conn:query and
-- conn:statement row sets as an aligned grid (headers, numbers right-aligned by their type, `null`,
-- wide values cut with an ellipsis at terminal width, East Asian wide characters counted as two
-- columns, the first rows of a long result and how many more, empty results, command tags), and
-- lists of resources, arrays and listing iterators, as the tables `lakebase postgres list-*` prints.
local T = require "testlib"
local emulator = require "lakebase.emulator"
local repl = require "lakebase.cli.repl"
local lb = lakebase

local emu = emulator.start { token = "grid-pat-0123456789" }
local c = lb.client { host = emu.url, token = emu.token }
c:create_project("grid", {}):wait()
c:create_project("grid2", {}):wait()
local primary = c:get("projects/grid/branches/production/endpoints/primary")
local conn = primary:connect()
local OPTS = { null = "null", max_rows = 50, max_width = 40 }

local function lines(...) return table.concat({ ... }, "\n") end

T.test("a query's rows: headers, numbers right-aligned by type, null, row count", function()
  local rows = conn:query([[SELECT 1 AS id, 'apple' AS name, NULL::text AS note, 2.5::float8 AS price, 12.50::numeric AS exact
    UNION ALL SELECT 1234, 'pear', 'ripe', -1, 3]])
  T.eq(repl.show(rows, OPTS), lines(
    "  id  name   note  price  exact",
    "----  -----  ----  -----  -----",
    "   1  apple  null    2.5  12.50",
    "1234  pear   ripe     -1      3",
    "(2 rows)"), "the grid")
end)

T.test("a NULL in a number column; booleans; one row", function()
  T.eq(repl.show(conn:query("SELECT NULL::int AS n, true AS ok"), OPTS), lines(
    "   n  ok",
    "----  ---",
    "null  t",
    "(1 row)"), "null right-aligned with the numbers")
end)

T.test("wide values are cut at max_width columns with an ellipsis; tabs and newlines escaped", function()
  local long = string.rep("abcdefghij", 6)
  local out = repl.show(conn:query("SELECT $1::text AS v, 'a\tb\nc' AS w", long), OPTS)
  local first = out:match("\n[^\n]*\n([^\n]*)\n")
  T.eq(first, string.rep("abcdefghij", 3) .. "abcdefghi…  a\\tb\\nc", "cut to 40 columns, the last an ellipsis")
  T.eq(repl.show(conn:query("SELECT $1::text AS v", long), { null = "null", max_rows = 50, max_width = 100 }):match("\n[^\n]*\n([^\n]*)\n"),
    long, "a larger limit keeps it whole")
end)

T.test("East Asian wide characters take two columns; combining marks none", function()
  T.eq(repl.show(conn:query("SELECT '日本語' AS jp, 'x' AS b UNION ALL SELECT 'e' || U&'\\0301', 'y'"), OPTS), lines(
    "jp      b",
    "------  ---",
    "日本語  x",
    "e\u{301}       y",  -- e and a combining acute: one column
    "(2 rows)"), "aligned by display width")
  local cut = repl.show(conn:query("SELECT $1::text AS v", string.rep("語", 30)), OPTS):match("\n[^\n]*\n([^\n]*)\n")
  T.eq(cut, string.rep("語", 19) .. "…", "cut by columns, never inside a character")
end)

T.test("a long result: the first max_rows rows and how many more", function()
  local out = repl.show(conn:query("SELECT g FROM generate_series(1, 120) g"), OPTS)
  local all = {}
  for l in out:gmatch("[^\n]+") do all[#all + 1] = l end
  T.eq(#all, 2 + 50 + 2, "header, rule, 50 rows, the note and the count")
  T.eq(all[3], "  1", "first row")
  T.eq(all[52], " 50", "the 50th row")
  T.eq(all[53], "... 70 more rows", "how many were left out")
  T.eq(all[54], "(120 rows)", "the real count")
  local short = repl.show(conn:query("SELECT g FROM generate_series(1, 3) g"), { null = "null", max_rows = 2, max_width = 40 })
  T.eq(short:sub(-24), "\n... 1 more row\n(3 rows)", "one more row")
end)

T.test("empty results and commands", function()
  T.eq(repl.show(conn:query("SELECT 1 AS a, 'x' AS b WHERE false"), OPTS), lines("  a  b", "---  ---", "(0 rows)"),
    "headers and (0 rows)")
  conn:exec("CREATE TEMP TABLE t (v int)")
  T.eq(repl.show(conn:query("INSERT INTO t VALUES (1), (2)"), OPTS), "INSERT 0 2", "the command tag")
end)

T.test("conn:statement: duplicate column names kept", function()
  T.eq(repl.show(conn:statement("SELECT 1 AS a, 'two' AS a"), OPTS), lines("  a  a", "---  ---", "  1  two", "(1 row)"),
    "both columns")
end)

T.test("lists of resources print as the postgres commands' tables", function()
  local out = repl.show(c:projects(), OPTS)
  local header, r1, r2, count = out:match("^([^\n]*)\n([^\n]*)\n([^\n]*)\n([^\n]*)$")
  T.ok(header and header:match("^NAME +DISPLAY_NAME +PG_VERSION +DEFAULT_BRANCH$"), "the list-projects header: " .. out)
  T.ok(r1:match("^projects/grid +grid +%d+ +projects/grid/branches/production$"), "first project: " .. r1)
  T.ok(r2:match("^projects/grid2 "), "second project")
  T.eq(count, "(2 projects)", "count")
  local branches = {}
  for b in c:get_project("grid"):branches() do branches[#branches + 1] = b end
  T.ok(repl.show(branches, OPTS):match("^NAME +CURRENT_STATE +DEFAULT .*\n%(1 branch%)$"), "an array of branches")
  local few = repl.show(c:projects(), { null = "null", max_rows = 1, max_width = 40 })
  T.ok(few:match("\nprojects/grid .*\n%.%.%. more not shown\n%(first 1 project%)$"), "a listing cut at max_rows: " .. few)
  T.eq(repl.show({ 1, 2 }, OPTS), "{\n  1,\n  2\n}", "other tables print nested as before")
  T.eq(repl.show({ branches[1], 3 }, OPTS):sub(1, 1), "{", "a mixed array is not a resource list")
end)

T.run()
conn:close()
emu:stop()
