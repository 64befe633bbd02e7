-- Listing with pagination: pages of one branch, followed by next_page_token, give every branch
-- once; the client's iterator gives the same; a listing can start from a page token.
return {
  description = "list branches with pagination (page_size, next_page_token)",
  creates = { "branch $page-a (ttl 1h)", "branch $page-b (ttl 1h)" },
  run = function(t)
    t:create_branch("page-a", { ttl = "3600s" })
    t:create_branch("page-b", { ttl = "3600s" })
    local path = t.project.name .. "/branches"

    local seen, order, token, pages = {}, {}, nil, 0
    repeat
      local status, body = t:raw("GET", path, { page_size = 1, page_token = token })
      t:eq(status, 200, "status of a page")
      pages = pages + 1
      local items = body.branches or {}
      t:check(#items <= 1, "a page of page_size 1 holds at most one branch (got " .. #items .. ")")
      for _, b in ipairs(items) do
        t:check(not seen[b.name], "each branch comes once (" .. b.name .. " came twice)")
        seen[b.name] = true
        order[#order + 1] = b.name
      end
      token = body.next_page_token
      t:check(pages <= 50, "the listing ends")
    until token == nil or token == ""
    for _, w in ipairs { "page-a", "page-b" } do
      t:check(seen[path .. "/" .. t:id(w)], "the paged listing has " .. t:id(w))
    end
    t:check(#order >= 3, "three branches at least: the default one and two made here (got " .. #order .. ")")

    local all = {}
    for b in t.project:branches { page_size = 1 } do all[#all + 1] = b.name end
    t:eq(#all, #order, "branches the client's iterator gives with page_size 1")
    local full = {}
    for b in t.project:branches() do full[#full + 1] = b.name end
    t:eq(#full, #order, "branches in one listing without page_size")

    local status, first = t:raw("GET", path, { page_size = 1 })
    t:eq(status, 200, "first page")
    t:check(type(first.next_page_token) == "string" and first.next_page_token ~= "", "a first page of one has a next_page_token")
    local rest = {}
    for b in t.client:list(t.project.name, "branch", { page_size = 1, page_token = first.next_page_token }) do
      rest[#rest + 1] = b.name
    end
    t:eq(#rest, #order - 1, "branches listed from the second page on")

    -- The SDK says page_size "cannot be negative"; how the service refuses it is not recorded.
    local bad, body = t:raw("GET", path, { page_size = -1 })
    t:note("negative page_size", bad .. " " .. tostring(type(body) == "table" and body.error_code))
  end,
}
