--- The certificate the computes' relays present: a private certificate authority and a server
-- certificate it signs for localhost, 127.0.0.1 and ::1, made with the openssl command. Clients
-- that verify (node-pg reads sslmode=require as verify-full; libpq's verify-full with
-- sslrootcert) trust the CA file; sslmode=require in libpq encrypts without verifying, as against
-- the service. Kept in DIR and reused while valid, so that a restarted emulator on the same data
-- directory keeps its CA.
local M = {}

local CONFIG = [[
[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
]]

local function exists(path)
  local f = io.open(path)
  if f then f:close() end
  return f ~= nil
end

--- Makes (or reuses) the certificates in `dir`. `exec(argv, what)` runs a program and raises on
-- failure. Returns {ca_file=, cert_file=, key_file=}.
function M.ensure(dir, exec)
  local files = { ca_file = dir .. "/ca.pem", cert_file = dir .. "/server.pem", key_file = dir .. "/server.key" }
  exec({ "mkdir", "-p", "-m", "0755", dir }, "mkdir")  -- the CA file is public; the key is 0600
  -- Reused when all are there and the server certificate is valid for another day.
  if exists(files.ca_file) and exists(files.key_file) and exists(files.cert_file) then
    local ok = pcall(exec, { "openssl", "x509", "-in", files.cert_file, "-noout", "-checkend", "86400" }, "openssl x509")
    if ok then return files end
  end
  local f = assert(io.open(dir .. "/openssl.cnf", "w"))
  f:write(CONFIG)
  f:close()
  local common = { "-config", dir .. "/openssl.cnf", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes" }
  local function req(extra)
    local argv = { "openssl", "req", "-x509" }
    for _, list in ipairs { common, extra } do
      for _, a in ipairs(list) do argv[#argv + 1] = a end
    end
    exec(argv, "openssl req")
  end
  req { "-extensions", "ca_ext", "-keyout", dir .. "/ca.key", "-out", files.ca_file, "-days", "3650",
    "-subj", "/CN=lakebase emulator CA" }
  req { "-extensions", "server_ext", "-keyout", files.key_file, "-out", files.cert_file, "-days", "825",
    "-subj", "/CN=localhost", "-CA", files.ca_file, "-CAkey", dir .. "/ca.key" }
  exec({ "chmod", "0600", files.key_file }, "chmod")
  exec({ "chmod", "0644", files.ca_file, files.cert_file }, "chmod")
  -- Nothing else is ever signed: without its key, the CA vouches for this one certificate only.
  exec({ "rm", "-f", dir .. "/ca.key", dir .. "/openssl.cnf" }, "rm")
  return files
end

return M
