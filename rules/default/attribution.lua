-- Tally's default attribution rules: which client an LLM usage event belongs to.
--
-- The first rule that matches wins:
--   1. an explicit `client` field on the event           reason "client"
--   2. `metadata.client_id` (multi-tenant workflows)       reason "metadata.client_id"
--   3. the workflow naming convention "Acme - Summarizer"  reason "workflow_name", tag project
--   4. the automation instance, from instances.json        reason "instance"
--   5. the provider API key id, from keys.json             reason "api_key"
-- otherwise the event is unattributed (nil, reason "no_match").
--
-- A map entry is a client id ("acme") or an object {"client": "acme", "project": "..."}.
-- See docs/rules.md for the event fields, the tally.* functions and the limits.
--
-- This runs for every ingested event, so it is written for speed: library functions and the
-- lookup tables are locals read once at load, each event field is read once, and the checks
-- are inline (a call to a Lua helper costs about as much as reading a field). Most events
-- have no `client` and no `metadata`: `x and type(x) == ...` skips the call to type() then.

local slug = tally.slug
local split_workflow_name = tally.split_workflow_name
local instances = tally.table("instances")
local keys = tally.table("keys")
local type = type

local M = {}

-- The client (and tags) of a map entry, or nil.
local function from_entry(entry, reason)
  if type(entry) == "string" then
    return entry, reason
  end
  if type(entry) == "table" then
    local client = entry.client
    if type(client) == "string" and client ~= "" then
      local project = entry.project
      if type(project) == "string" and project ~= "" then
        return client, reason, { project = project }
      end
      return client, reason
    end
  end
  return nil
end

function M.attribute(event)
  local client = event.client
  if client and type(client) == "string" and client ~= "" then
    return client, "client"
  end

  local metadata = event.metadata
  if metadata and type(metadata) == "table" then
    local id = metadata.client_id
    if type(id) == "string" and id ~= "" then
      return id, "metadata.client_id"
    end
  end

  local workflow = event.workflow
  if type(workflow) == "table" then
    local name = workflow.name
    if type(name) == "string" then
      local prefix, rest = split_workflow_name(name)
      local id = prefix and slug(prefix)
      if id and id ~= "" then
        local project = slug(rest)
        if project ~= "" then
          return id, "workflow_name", { project = project }
        end
        return id, "workflow_name"
      end
    end
  end

  local instance = event.instance
  if instance then  -- a key of another type finds no entry
    local entry = instances[instance]
    if entry ~= nil then
      local id, reason, tags = from_entry(entry, "instance")
      if id then
        return id, reason, tags
      end
    end
  end

  local key = event.api_key
  if key then
    local entry = keys[key]
    if entry ~= nil then
      local id, reason, tags = from_entry(entry, "api_key")
      if id then
        return id, reason, tags
      end
    end
  end

  return nil, "no_match"
end

return M
