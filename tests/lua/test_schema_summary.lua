-- schema-diff's pure parts: counting a unified diff's lines (a removed SQL comment "-- x" reads
-- "--- x", like a file header), dropping the lines that differ between two dumps of one schema,
-- and the Markdown summary (cut to fit a pull-request comment, fences inside the diff defused).
local T = require "testlib"
local dump = require "lakebase.recipe.schema_dump"
local summary = require "lakebase.recipe.schema_summary"

local DIFF = table.concat({
  "--- base/db", "+++ branch/db", "@@ -1,6 +1,3 @@", " keep",
  "---", "--- Name: legacy; Type: TABLE", "---", "-CREATE TABLE public.legacy (id int);",
  "+-- Name: fresh", "+CREATE TABLE public.fresh (id int);", " keep", "" }, "\n")

T.test("count: removed comments are lines, file headers are not", function()
  local added, removed = dump.count(DIFF)
  T.eq(added, 2, "added")
  T.eq(removed, 4, "removed")
  local a2, r2 = dump.count(DIFF .. DIFF:gsub("db", "app"))
  T.eq(a2 .. "/" .. r2, "4/8", "two files")
end)

T.test("normalise drops \\restrict keys and version lines, nothing else", function()
  local a = "--\n-- Dumped from database version 15.1\n-- Dumped by pg_dump version 15.18\n\\restrict abc\nCREATE TABLE t ();\n\\unrestrict abc\n"
  local b = "--\n-- Dumped from database version 15.2\n-- Dumped by pg_dump version 15.18\n\\restrict xyz\nCREATE TABLE t ();\n\\unrestrict xyz\n\n"
  T.eq(dump.normalise(a), dump.normalise(b), "same schema, same text")
  T.eq(dump.normalise(a), "--\nCREATE TABLE t ();\n", "what is left")
end)

T.test("the summary: one row per database, the diff folded, cut to fit a comment", function()
  local md = summary.markdown("b", "p", {
    { database = "db", diff = DIFF, added = 2, removed = 4 },
    { database = "other", diff = "", added = 0, removed = 0 },
    { database = "new", diff = "", added = 0, removed = 0, missing = "base" } }, "schema.diff")
  T.ok(md:find("| `db` | +2 −4 lines |", 1, true), "counts")
  T.ok(md:find("| `other` | no change |", 1, true), "unchanged")
  T.ok(md:find("| `new` | only on the branch |", 1, true), "only on the branch")
  T.ok(md:find("```diff\n--- base/db\n", 1, true), "the diff in a fenced block")
  local big = "--- a\n+++ b\n@@ -1 +1 @@\n" .. string.rep("+```x\n", 20000)
  md = summary.markdown("b", "p", { { database = "db", diff = big, added = 20000, removed = 0 } }, "schema.diff")
  T.ok(#md < 65536, "fits GitHub's comment limit: " .. #md)
  T.ok(md:find("cut short; the whole diff is in schema.diff", 1, true), "says where the rest is")
  local body = md:match("```diff\n(.-)\n```\n")
  T.ok(body and not body:find("```", 1, true), "no fence inside the block")
  T.ok(summary.markdown("b", "p", {}, "f"):find("No schema changes.", 1, true), "nothing to see")
end)

T.run()
