# Shared by the tables of Databricks CLI lines (test_databricks_lines.sh, test_databricks_corpus.sh):
# an emulator, a `dev` profile, a fake psql, and `run_lines TABLE`, which runs each row and checks
# its effect through the API. Source it after setting LB; it sources lib.sh.
#
# One row a line:
#
#   EXIT => COMMAND LINE (shell syntax) => GET PATH :: LUA EXPRESSION
#
# The line runs with `lakebase` (and `databricks`, for lines that call it by a variable) defined as
# the binary under test. The expression sees `r` (the decoded GET answer, nil when it is 404), `out`
# (the line's stdout), `json(s)`, `now` (os.time()), `time(s)` (RFC 3339 to seconds) and
# `names(list)` (the names of a listing, space-separated). A line naming a profile (-p/--profile, or
# DATABRICKS_CONFIG_PROFILE) runs without DATABRICKS_HOST and DATABRICKS_TOKEN, so only the profile
# can make it work; the profile `dev` signs in with OAuth M2M as service principal $SP. psql lines run
# a fake psql that shows what it was given. jq and python3 run as the sources' pipelines use them.
tmp=$(mktemp -d)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SP=7f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b
start_emulator lines-token-0123456789 --client-id $SP --client-secret lines-secret-0123456789 --op-latency 0.05
export HOME=$tmp/home
mkdir -p "$HOME" "$tmp/bin"
cat >"$HOME/.databrickscfg" <<EOF
[dev]
host = $DATABRICKS_HOST
client_id = $SP
client_secret = lines-secret-0123456789
EOF
cat >"$tmp/bin/psql" <<'EOF'
#!/bin/sh
echo "psql $*"
echo "PGUSER=$PGUSER PGDATABASE=$PGDATABASE PGSSLMODE=$PGSSLMODE password:${PGPASSWORD:+set}"
EOF
chmod +x "$tmp/bin/psql"
export SP tmp

lakebase() { PATH="$tmp/bin:$PATH" "$LB" "$@"; }
databricks() { lakebase "$@"; }
# The first page token of a listing, for --page-token.
first_token() { "$LB" api GET "$1?page_size=1" -o json | "$LB" -e 'print(lakebase.json.decode(io.read("a")).next_page_token)'; }
# The operation name in a --no-wait answer on stdout.
op_of() { "$LB" -e 'print(lakebase.json.decode(io.read("a")).name)' <"$tmp/last.out"; }
# Waits (up to 10 s) until the operation the previous line printed with --no-wait is done (also
# on a line that names a profile).
host=$DATABRICKS_HOST token=$DATABRICKS_TOKEN
settle() {
  local op
  op=$(op_of) || return 1
  for _ in $(seq 100); do
    DATABRICKS_HOST=$host DATABRICKS_TOKEN=$token "$LB" postgres get-operation "$op" -o json | grep -q '"done":true' &&
      return 0
    sleep 0.1
  done
  return 1
}

cat >"$tmp/check.lua" <<'LUA'
local path, expr, outfile = ...
local client = lakebase.default_client()
local ok, r = pcall(client.request, client, "GET", path)
if not ok then
  if tostring(r):find("NOT_FOUND", 1, true) then r = nil else error(r, 0) end
end
local f = io.open(outfile, "rb")
local out = f:read("a")
f:close()
local env = setmetatable({ r = r, out = out, json = lakebase.json.decode, now = os.time(),
  time = require("lakebase.api.validate").timestamp,
  names = function(list)
    local t = {}
    for i, x in ipairs(list or {}) do t[i] = x.name end
    return table.concat(t, " ")
  end }, { __index = _G })
local fn = assert(load("return " .. expr, "=check", "t", env))
local ok2, v = pcall(fn)
if not (ok2 and v) then
  io.stderr:write("check failed: ", expr, (ok2 and "" or (" (" .. tostring(v) .. ")")), "\nGET ", path, ": ",
    r and lakebase.json.encode(r) or "404", "\n")
  os.exit(1)
end
LUA

# run_lines TABLE: runs every row of TABLE (blank lines and # comments skipped).
run_lines() {
  local row=0 spec want rest line probe path expr
  while IFS= read -r spec; do
    case $spec in ''|'#'*) continue ;; esac
    want=${spec%% => *}; rest=${spec#* => }
    line=${rest%% => *}; probe=${rest#* => }
    path=${probe%% :: *}; path=${path#GET }; expr=${probe#* :: }
    row=$((row + 1))
    if [[ $line =~ (^|\ )(-p|--profile)[\ =]|DATABRICKS_CONFIG_PROFILE= ]]; then
      (unset DATABRICKS_HOST DATABRICKS_TOKEN; eval "$line") >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
    else
      (eval "$line") >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
    fi
    cp "$tmp/out" "$tmp/last.out"
    check "$row: $line (exit $want)" rc_is "$want"
    check "$row:   then GET $path :: $expr" "$LB" -e "$(cat "$tmp/check.lua")" "$path" "$expr" "$tmp/out"
  done <<<"$1"
}
