--- The hand-written LuaLS annotations: the `lakebase` module and what is not generated from the
-- resource description (the client's own methods, operations, errors, tasks, lakebase.pg, child
-- processes, HTTP, the emulator, recipes). Kept in one place, next to the generator; the test
-- tests/lua/test_types.lua checks every name here against the real tables, both ways.
return [==[---@meta
-- The lakebase module: the global `lakebase` in scripts, and what `require "lakebase"` returns.
-- Written by `lakebase types`: do not edit.

---@class lakebase
---@field version string the lakebase version
---@field config? table the command line's --host/--profile/--auth-type, for default_client
lakebase = {}

--- Waits `seconds` (a number >= 0) on the event loop; other tasks run meanwhile.
---@param seconds number
function lakebase.sleep(seconds) end

--- Starts `fn(...)` as a new task and returns it at once; it runs when the current task waits.
---@param fn fun(...: any): any
---@param ... any
---@return lakebase.Task
function lakebase.spawn(fn, ...) end

--- Runs every function concurrently and returns their first results in order; the first error
--- cancels the others (their cleanups finish) and is raised.
---@param fns (fun(): any)[]
---@return any ...
function lakebase.all(fns) end

--- Runs `fn(...)` and returns its results, or raises a lakebase.Error of kind "timeout" after
--- `seconds`, once fn has been cancelled and its cleanups have run.
---@param seconds number
---@param fn fun(...: any): any
---@param ... any
---@return any ...
function lakebase.timeout(seconds, fn, ...) end

--- A one-shot event: tasks that wait on it resume when it is fired.
---@return lakebase.Event
function lakebase.event() end

--- Seconds on a monotonic clock.
---@return number
function lakebase.now() end

--- Runs fn when the script ends, however it ends (error, Ctrl-C included).
---@param fn fun()
---@param label? string named in the report if it fails
---@return table entry entry.run() runs it now
function lakebase.defer(fn, label) end

--- Runs a program (no shell) and waits for it, reading its output meanwhile.
---@param opts lakebase.process.ExecOptions
---@return lakebase.process.Result
function lakebase.exec(opts) end

--- A client of the Lakebase API. {host=, token=} uses exactly that; otherwise the options are
--- resolved with the environment and ~/.databrickscfg as the Databricks SDKs do.
---@param opts? lakebase.ClientOptions
---@return lakebase.Client
function lakebase.client(opts) end

--- The client configured for this run (--local: the embedded emulator; else unified auth). Created once.
---@return lakebase.Client
function lakebase.default_client() end

---@class lakebase.ClientOptions
---@field host? string the workspace URL
---@field token? string a personal access token
---@field profile? string a ~/.databrickscfg profile
---@field auth_type? "pat"|"basic"|"oauth-m2m"|"databricks-cli"
---@field client_id? string
---@field client_secret? string
---@field token_source? fun(client: lakebase.Client): string a bearer token
---@field retry_timeout? number seconds one call keeps retrying (default 300)
---@field request_timeout? number seconds per attempt (default 60)
---@field max_response_bytes? integer the largest answer accepted

---@class lakebase.CreateOptions
---@field ephemeral? boolean delete it when its <close> variable goes out of scope, the wait fails or the script ends
---@field replace_existing? boolean

---@class lakebase.ListOptions
---@field page_size? integer
---@field show_deleted? boolean list soft-deleted ones too
---@field page_token? string start from this page

---@class lakebase.WaitOptions
---@field timeout? number seconds (default 1200)

---@class lakebase.Resource
---@field name string the full resource name, e.g. "projects/shop/branches/ci-42"
---@field ["@type"] string?

---@class lakebase.Credential
---@field token string the Postgres password
---@field expire_time string RFC 3339

---@class lakebase.CredentialOptions
---@field ttl? string|number 300 to 3600 seconds ("900s")
---@field expire_time? string RFC 3339, 5 minutes to 1 hour ahead
---@field claims? {permission_set: string, resources: {table_name: string}[]}[]
---@field group_name? string mint for this group

---@class lakebase.RequestOptions
---@field idempotent? boolean a POST that may be repeated
---@field on_retry_status? fun(status: integer, err: lakebase.Error): boolean? settles a retried call: true, value

--- A client of the Lakebase API (/api/2.0/postgres/). Every call raises on failure.
---@class lakebase.Client
---@field host string the workspace URL
---@field auth table the authentication provider (auth.kind: "pat", "oauth-m2m", ...)
---@field auth_type string
---@field client_id? string the service principal, under OAuth M2M
---@field retry_timeout? number
---@field request_timeout number
---@field max_response_bytes? integer
---@field stats {requests: integer, retries: integer, reauth: integer}
local Client = {}

--- One API call with retries; `path` is relative to /api/2.0/postgres/ (or absolute with "/").
---@param method string
---@param path string
---@param query? table<string, string>
---@param body? table
---@param opts? lakebase.RequestOptions
---@return table body the decoded answer
function Client:request(method, path, query, body, opts) end

--- Gives an API body of `kind` ("project", "branch", ...) its resource class.
---@param kind string
---@param body table
---@return lakebase.Resource
function Client:wrap(kind, body) end

--- Notes that this client has just created `name` (a 404 for it is then waited out for a while).
---@param name string
function Client:note_created(name) end

--- Notes that this client is deleting `name` (a 404 at or below it is believed at once).
---@param name string
function Client:forget_created(name) end

--- Whether `name` or something above it was created by this client within the last minute.
---@param name string
---@return boolean
function Client:recently_created(name) end

--- Fetches the resource called `name` (its kind from the name unless given).
---@param name string
---@param kind? string
---@return lakebase.Resource
function Client:get(name, kind) end

--- Iterates over the children of `kind` under `parent` (nil at the top), fetching pages lazily.
---@param parent string?
---@param kind string
---@param opts? lakebase.ListOptions
---@return fun(): lakebase.Resource?
function Client:list(parent, kind, opts) end

--- Creates a child of `kind` under `parent`; returns an Operation.
---@param parent string?
---@param kind string
---@param id string?
---@param spec? table
---@param opts? lakebase.CreateOptions
---@return lakebase.Operation
function Client:create(parent, kind, id, spec, opts) end

--- PATCH or DELETE returning an Operation.
---@param method "PATCH"|"DELETE"
---@param name string
---@param query? table
---@param body? table
---@param kind string
---@return lakebase.Operation
function Client:mutate(method, name, query, body, kind) end

--- An operation by name (for example one started with --no-wait).
---@param name string
---@param kind? string
---@return lakebase.Operation
function Client:get_operation(name, kind) end

--- Mints one database credential for an endpoint, as asked.
---@param endpoint string|lakebase.Endpoint
---@param opts? lakebase.CredentialOptions
---@return lakebase.Credential
function Client:generate_database_credential(endpoint, opts) end

--- A database credential for the endpoint, cached until 2 minutes before it expires.
---@param endpoint string|lakebase.Endpoint
---@return lakebase.Credential
function Client:database_credential(endpoint) end

--- Drops the cached credential of an endpoint.
---@param endpoint string|lakebase.Endpoint
function Client:forget_database_credential(endpoint) end

--- The caller's user name (SCIM Me). Cached.
---@return string
function Client:current_user() end

--- The Postgres role the caller logs in as.
---@return string
function Client:postgres_user() end

---@class lakebase.Branch
local Branch = {}

--- The branch's read-write endpoint (`primary`), waited for until it takes connections.
---@param opts? {timeout?: number}
---@return lakebase.Endpoint
function Branch:primary_endpoint(opts) end

---@class lakebase.Endpoint
local Endpoint = {}

--- PG* variables for psql and migration tools: PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE.
---@param opts? {database?: string, user?: string, sslmode?: string}
---@return table<string, string>
function Endpoint:pg_env(opts) end

--- A `postgresql://` URI (user, password and database percent-encoded, sslmode=require); the
--- password is a database credential that expires an hour after it was minted. `pooled` names the
--- PgBouncer host. Returns the URI and the host it names.
---@param opts? {database?: string, user?: string, pooled?: boolean}
---@return string uri
---@return string host
function Endpoint:connection_uri(opts) end

--- A lakebase.pg connection to the endpoint, with the client's cached credential.
---@param opts? {database?: string, user?: string, sslmode?: string}
---@return lakebase.pg.Conn
function Endpoint:connect(opts) end

--- A long-running operation.
---@class lakebase.Operation
---@field name string?
---@field kind? string the kind of resource it yields
---@field resource_name string?
---@field raw table the operation as the API last answered it
---@field client lakebase.Client
---@field verb string the work ("create", "update", "delete", "undelete"; "unknown" for one picked up by name), whose durations its wait learns
---@field started number when it was started (core.now()), the origin of the durations learned
local Operation = {}

--- Polls once; true when the operation has finished.
---@return boolean
function Operation:done() end

--- Yields until done (polling when operations of its kind were seen to finish, else with backoff)
--- and returns the resulting resource (nil for deletes);
--- raises a lakebase.Error of kind "operation" or "timeout".
---@param opts? lakebase.WaitOptions
---@return lakebase.Resource?
function Operation:wait(opts) end

--- A failure. `tostring(err)` gives one readable line.
---@class lakebase.Error
---@field kind "api"|"network"|"timeout"|"operation"|"sql"|"process"|"cancelled"|"exit"|string
---@field message string
---@field status? integer the HTTP status
---@field error_code? string NOT_FOUND, RESOURCE_EXHAUSTED, ...
---@field request_id? string
---@field retryable? boolean
---@field method? string
---@field path? string
---@field operation? string the operation that failed or timed out
---@field sqlstate? string
---@field detail? string
---@field hint? string
---@field code? any

--- Structured errors.
---@class lakebase.errors
---@field Error table the metatable of lakebase.Error objects
lakebase.errors = {}

--- Creates an error object from a table of fields (`kind` and `message` at least).
---@param fields table
---@return lakebase.Error
function lakebase.errors.new(fields) end

--- True when `e` is a lakebase.Error, and of `kind` when one is given.
---@param e any
---@param kind? string
---@return boolean
function lakebase.errors.is(e, kind) end

--- The error a cancelled wait raises.
---@param reason? string
---@return lakebase.Error
function lakebase.errors.cancelled(reason) end

--- The error os.exit raises inside a task, so that cleanups run first.
---@param code integer
---@return lakebase.Error
function lakebase.errors.exit(code) end

--- `err` as one line for people.
---@param err any
---@return string
function lakebase.errors.message(err) end

--- A task on the event loop.
---@class lakebase.Task
---@field status "ready"|"running"|"waiting"|"done"|"failed"|"cancelled"
---@field name? string
local Task = {}

--- True once the task has finished (done, failed or cancelled).
---@return boolean
function Task:finished() end

--- Waits for the task; returns its results, or raises its error.
---@return any ...
function Task:join() end

--- Asks the task to stop: its current (or next) wait raises a "cancelled" error.
---@param reason? string
---@return boolean false when it had already finished
function Task:cancel(reason) end

---@class lakebase.Event
local Event = {}

--- Resumes every waiting task; later waits return at once.
function Event:fire() end

--- Yields until the event fires.
function Event:wait() end

--- PostgreSQL on the event loop (libpq): connecting and every query yield.
---@class lakebase.pg
---@field null userdata SQL NULL in results and parameters
---@field Conn table the metatable of connections
lakebase.pg = {}

---@class lakebase.pg.ConnectOptions
---@field host? string
---@field hostaddr? string
---@field port? string|integer
---@field user? string
---@field password? string
---@field dbname? string
---@field database? string the same as dbname
---@field sslmode? string
---@field sslrootcert? string
---@field connect_timeout? string|integer
---@field application_name? string
---@field options? string
---@field target_session_attrs? string

--- Connects (yielding while libpq negotiates).
---@param opts lakebase.pg.ConnectOptions
---@return lakebase.pg.Conn
function lakebase.pg.connect(opts) end

--- Rows of a query: rows[i].column; values are booleans, integers, numbers, strings or lakebase.pg.null.
---@class lakebase.pg.Rows: { [integer]: table<string, any> }
---@field fields string[] the column names in order
---@field affected? integer rows changed by DML
---@field command? string the command tag

---@class lakebase.pg.Statement
---@field fields string[] the column names, duplicates kept
---@field types integer[] the columns' type OIDs
---@field rows any[][] rows of values by position
---@field command? string
---@field affected? integer

--- A PostgreSQL connection; close it, or hold it in a <close> variable.
---@class lakebase.pg.Conn
---@field params table<string, string> the libpq parameters it was made with
local Conn = {}

--- Runs one statement with parameters $1, $2, ... (they travel apart from the SQL text).
---@param sql string
---@param ... any
---@return lakebase.pg.Rows
function Conn:query(sql, ...) end

--- The first row of a query, or nil.
---@param sql string
---@param ... any
---@return table<string, any>?
function Conn:query_one(sql, ...) end

--- Runs one statement as written and gives its columns by position with their type OIDs.
---@param sql string
---@return lakebase.pg.Statement
function Conn:statement(sql) end

--- Runs SQL text that may hold several statements; returns the last command tag and its row count.
---@param sql string
---@return string? command
---@return integer? affected
function Conn:exec(sql) end

--- Runs fn(conn) inside BEGIN ... COMMIT; rolls back and raises again on any error.
---@generic T
---@param fn fun(tx: lakebase.pg.Conn): T
---@return T
function Conn:transaction(fn) end

function Conn:close() end

--- Child processes on the event loop, never through a shell.
---@class lakebase.process
---@field Process table the metatable of processes
lakebase.process = {}

---@class lakebase.process.ExecOptions: { [integer]: string }
---@field env? table<string, string> the whole environment (nil: inherited)
---@field cwd? string
---@field stdin? string text to feed (nil: /dev/null)
---@field stdout? "capture"|"inherit"|"null"
---@field stderr? "capture"|"inherit"|"null"|"stdout"
---@field timeout? number seconds
---@field check? boolean raise a "process" error unless it exits 0
---@field new_group? boolean
---@field pdeathsig? string|integer

---@class lakebase.process.SpawnOptions: { [integer]: string }
---@field env? table<string, string>
---@field cwd? string
---@field stdin? "null"|"pipe"|"inherit"
---@field stdout? "pipe"|"null"|"inherit"
---@field stderr? "inherit"|"pipe"|"null"|"stdout"
---@field new_group? boolean
---@field pdeathsig? string|integer

---@class lakebase.process.Result
---@field code? integer the exit code
---@field signal? string the signal that ended it
---@field stdout string?
---@field stderr string?
---@field ok boolean exited 0

--- Runs a program and waits for it.
---@param opts lakebase.process.ExecOptions
---@return lakebase.process.Result
function lakebase.process.exec(opts) end

--- Starts a program and returns a Process at once.
---@param opts lakebase.process.SpawnOptions
---@return lakebase.process.Process
function lakebase.process.spawn(opts) end

---@class lakebase.process.Process
---@field pid integer
---@field argv string[]
---@field stdin? userdata the raw pipe when "pipe" (use write and close_stdin)
---@field stdout? userdata the raw pipe when "pipe" (use read_line and read_all)
---@field stderr? userdata the raw pipe when "pipe"
local Process = {}

--- Waits for it to exit: the exit code, or nil and the signal's name.
---@return integer? code
---@return string? signal
function Process:wait() end

--- "running", or "exited", code, or "signaled", signal.
---@return string state
---@return (integer|string)? detail
function Process:status() end

--- Sends a signal ("TERM" by default).
---@param sig? string|integer
---@return boolean
---@return string? why
function Process:kill(sig) end

--- The next line of stdout (or of "stderr"), nil at end of file.
---@param stream? "stdout"|"stderr"
---@return string?
function Process:read_line(stream) end

--- Everything left on stdout (or "stderr").
---@param stream? "stdout"|"stderr"
---@return string
function Process:read_all(stream) end

--- Writes all of `data` to stdin.
---@param data string
function Process:write(data) end

--- Closes stdin, so the child reads end of file.
function Process:close_stdin() end

--- One HTTP request, waited for by yielding.
---@class lakebase.http
---@field IDEMPOTENT table<string, boolean> the methods that may be repeated
lakebase.http = {}

---@class lakebase.http.RequestOptions
---@field method? string
---@field url string
---@field headers? table<string, string>
---@field body? string
---@field timeout? number seconds
---@field max_body? integer bytes

--- Sends one request and waits for the answer; raises a "network" error when none arrived.
---@param opts lakebase.http.RequestOptions
---@return integer status
---@return table<string, string> headers lower-cased names
---@return string body
function lakebase.http.request(opts) end

--- `t` as a query string (keys sorted, values percent-encoded); "" for nil or {}.
---@param t table?
---@return string
function lakebase.http.query(t) end

--- Parses a raw header block into lower-cased names; returns them and the reason phrase.
---@param raw string
---@return table<string, string>
---@return string?
function lakebase.http.parse_headers(raw) end

---@class lakebase.httpd.Request
---@field method string
---@field path string
---@field query table<string, string>
---@field headers table<string, string> lower-cased names
---@field body string
---@field peer string

---@class lakebase.httpd.ServeOptions
---@field host? string default 127.0.0.1
---@field port? integer default 0: a free port
---@field idle_timeout? number seconds
---@field handler fun(req: lakebase.httpd.Request): integer, table<string, string>?, string?

--- A small HTTP/1.1 server on the event loop.
---@class lakebase.httpd
---@field IDLE_TIMEOUT number
lakebase.httpd = {}

--- Serves handler(req) -> status, headers, body on opts.host (127.0.0.1) and opts.port (0: free).
---@param opts lakebase.httpd.ServeOptions
---@return lakebase.net.Server
function lakebase.httpd.serve(opts) end

--- Splits a query string into a table (last value wins).
---@param q string
---@return table<string, string>
function lakebase.httpd.parse_query(q) end

--- Decodes %XX escapes and "+" as a space.
---@param s string
---@return string
function lakebase.httpd.unescape(s) end

--- The idle timeout LAKEBASE_HTTPD_IDLE_TIMEOUT gives (seconds, default 60), or nil and a
--- message naming a malformed value.
---@return number?, string?
function lakebase.httpd.env_idle_timeout() end

--- TCP on the event loop (numeric addresses only).
---@class lakebase.net
---@field Conn table the metatable of connections
---@field ACCEPT_PAUSE number
---@field WARN_EVERY number
lakebase.net = {}

--- Connects to host:port.
---@param host string
---@param port integer
---@return lakebase.net.Conn
function lakebase.net.connect(host, port) end

--- Listens on host:port (0: a free port, see server.port).
---@param host string
---@param port integer
---@return lakebase.net.Server
function lakebase.net.listen(host, port) end

--- A lakebase.Error of kind "network" for `what` failing with `err`.
---@param what string
---@param err string
---@return lakebase.Error
function lakebase.net.neterror(what, err) end

---@class lakebase.net.Conn
---@field peer string
local NetConn = {}

---@param max? integer
---@return string?
function NetConn:receive(max) end

---@param delim? string
---@param limit? integer
---@return string?
function NetConn:read_until(delim, limit) end

---@param n integer
---@return string?
function NetConn:read_exactly(n) end

---@param data string
function NetConn:send(data) end

function NetConn:close() end

---@class lakebase.net.Server
---@field port integer
---@field host string
---@field sock userdata the listening socket
local Server = {}

--- Waits for the next connection.
---@return lakebase.net.Conn
function Server:accept() end

function Server:close() end

--- JSON; `json.null` stands for null.
---@class lakebase.json
---@field null userdata
---@field array_mt table the metatable json.array sets
lakebase.json = {}

--- Encodes a value as JSON text (object keys sorted).
---@param v any
---@return string
function lakebase.json.encode(v) end

--- Like encode, indented for people.
---@param v any
---@return string
function lakebase.json.pretty(v) end

--- Decodes JSON text: the value, or nil and a message. Empty arrays come back marked (json.array),
--- so that they encode as [] again.
---@param s string
---@return any
---@return string? err
function lakebase.json.decode(s) end

--- Whether a decoded or built table is a JSON array (a sequence, or marked by json.array).
---@param t table
---@return boolean
function lakebase.json.is_array(t) end

--- Marks a table as an array, so an empty one encodes as [].
---@generic T: table
---@param t? T
---@return T
function lakebase.json.array(t) end

--- Diagnostics on stderr.
---@class lakebase.log
---@field verbose boolean
---@field quiet boolean
---@field format "text"|"json"
lakebase.log = {}

---@param fmt string
---@param ... any
function lakebase.log.debug(fmt, ...) end

---@param fmt string
---@param ... any
function lakebase.log.notice(fmt, ...) end

---@param fmt string
---@param ... any
function lakebase.log.warn(fmt, ...) end

--- Unified auth, as the Databricks SDKs resolve it.
---@class lakebase.auth
lakebase.auth = {}

--- Resolves opts with the environment and ~/.databrickscfg.
---@param opts lakebase.ClientOptions
---@return table config
function lakebase.auth.resolve(opts) end

--- A client for a resolved configuration; `extra` adds client options.
---@param cfg table
---@param extra? lakebase.ClientOptions
---@return lakebase.Client
function lakebase.auth.client(cfg, extra) end

--- The resolved configuration described: host, auth type, where each value came from.
---@param cfg table
---@return table
function lakebase.auth.describe(cfg) end

--- The local Lakebase emulator.
---@class lakebase.emulator
lakebase.emulator = {}

---@class lakebase.emulator.Options
---@field port? integer 0: a free port
---@field data? string a directory to keep state in (nil: memory only)
---@field token? string
---@field client_id? string
---@field client_secret? string
---@field user? string
---@field postgres? boolean false: simulated computes
---@field pg_bindir? string
---@field faults? string
---@field seed? integer
---@field op_latency? number|string seconds each operation takes, or a spread "1-3" (uniform between)
---@field credential_ttl? number

--- Starts the emulator on loopback.
---@param opts? lakebase.emulator.Options
---@return lakebase.emulator.Emulator
function lakebase.emulator.start(opts) end

--- Random hex from /dev/urandom (n bytes).
---@param n integer
---@return string
function lakebase.emulator.random_hex(n) end

---@class lakebase.emulator.Emulator
---@field url string
---@field port integer
---@field token string
---@field ca_file? string the CA of the computes' TLS certificate (nil without PostgreSQL)
---@field engine table
local Emulator = {}

--- Stops serving and every PostgreSQL server it started.
function Emulator:stop() end

--- The resource description shared by the client, the commands and the emulator.
---@class lakebase.schema
---@field kinds string[] every kind, sorted
---@field by_collection table<string, lakebase.schema.Definition>
---@field singletons table<string, lakebase.schema.Definition>
---@field id_checks table<string, fun(id: string): string?>
lakebase.schema = {}

---@class lakebase.schema.Definition
---@field kind string
---@field noun string
---@field type_name string
---@field collection? string
---@field singleton? string
---@field id_field? string
---@field parent_kind? string
---@field spec table
---@field [string] any

--- The name of the resource of `def` with `id` under `parent`.
---@param def lakebase.schema.Definition
---@param parent string?
---@param id? string
---@return string
function lakebase.schema.name_of(def, parent, id) end

--- The path creates and listings of `def` under `parent` go to.
---@param def lakebase.schema.Definition
---@param parent string?
---@return string
function lakebase.schema.collection_path(def, parent) end

--- "spec", or the kind for kinds whose fields are their own.
---@param def lakebase.schema.Definition
---@return string
function lakebase.schema.root_path(def) end

--- Checks a spec: the cleaned spec, or nil and the reason.
---@param def lakebase.schema.Definition
---@param spec table?
---@param opts? {creating?: boolean, unknown?: string[], lenient_enums?: boolean}
---@return table?
---@return string? why
function lakebase.schema.check_spec(def, spec, opts) end

--- The problem with `id` as an ID of `def`, or nil.
---@param def lakebase.schema.Definition
---@param id any
---@return string?
function lakebase.schema.id_problem(def, id) end

--- What a recipe's run function gets.
---@class lakebase.recipe.Context
---@field client lakebase.Client the default client (under --dry-run, one that prints changes instead of making them)
---@field dry_run boolean
---@field lakebase lakebase
---@field recipe lakebase.recipe.Recipe
---@field print fun(...: any) prints a message (to stderr under -o json, whose stdout is the outputs' JSON)
---@field output fun(name: string, value: string|boolean|number, opts?: {secret?: boolean}) a recipe output: $GITHUB_OUTPUT, `name=value` on stdout, or the -o json object
---@field mask fun(value: any) masks a value from here on (::add-mask:: under GitHub Actions, and in lakebase's logs)
---@field outputs table<string, string> the outputs given so far, as text
---@field output_format "text"|"json"
---@field exit_status integer the recipe run's exit status (a recipe sets it, e.g. 4 for schema-diff --fail-on-diff)

---@class lakebase.recipe.Param
---@field name string
---@field type "string"|"number"|"boolean"|"duration"|"enum"
---@field required? boolean
---@field default? any
---@field help? string
---@field min? number|string
---@field max? number|string
---@field integer? boolean
---@field values? string[]

--- A recipe file returns one.
---@class lakebase.recipe.Recipe
---@field name string
---@field version string
---@field description string
---@field params lakebase.recipe.Param[]
---@field run fun(ctx: lakebase.recipe.Context, params: table<string, any>)
]==]
