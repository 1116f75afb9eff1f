-- Tally's default attribution rules: which client an LLM usage event belongs to.
--
-- The first rule that matches wins:
--   1. an explicit `client` field on the event           reason "client"
--   2. `metadata.client_id` (multi-tenant workflows)       reason "metadata.client_id"
--   3. the workflow naming convention "Acme - Summarizer"  reason "workflow_name"
--   4. the automation instance, from instances.json        reason "instance"
--   5. the provider API key id, from keys.json             reason "api_key"
-- otherwise the event is unattributed (nil, reason "no_match").
--
-- See docs/rules.md for the event fields, the tally.* functions and the limits.

local slug = tally.slug
local lookup = tally.lookup
local split_workflow_name = tally.split_workflow_name
local type = type

local M = {}

-- A non-empty string, or nil.
local function text(value)
  if type(value) == "string" and value ~= "" then
    return value
  end
  return nil
end

-- A lookup entry is either a client id ("acme") or an object {client = "acme", project = "..."}.
local function from_entry(entry, reason)
  if type(entry) == "string" then
    return entry, reason
  end
  if entry ~= nil and text(entry.client) then
    local tags = nil
    if text(entry.project) then
      tags = { project = entry.project }
    end
    return entry.client, reason, tags
  end
  return nil
end

function M.attribute(event)
  local client = text(event.client)
  if client then
    return client, "client"
  end

  local metadata = event.metadata
  if type(metadata) == "table" then
    local id = text(metadata.client_id)
    if id then
      return id, "metadata.client_id"
    end
  end

  local workflow = event.workflow
  if type(workflow) == "table" and text(workflow.name) then
    local prefix, rest = split_workflow_name(workflow.name)
    if prefix then
      local id = slug(prefix)
      if id ~= "" then
        local project = slug(rest)
        if project ~= "" then
          return id, "workflow_name", { project = project }
        end
        return id, "workflow_name"
      end
    end
  end

  local instance = text(event.instance)
  if instance then
    local id, reason, tags = from_entry(lookup("instances", instance), "instance")
    if id then
      return id, reason, tags
    end
  end

  local key = text(event.api_key)
  if key then
    local id, reason, tags = from_entry(lookup("keys", key), "api_key")
    if id then
      return id, reason, tags
    end
  end

  return nil, "no_match"
end

return M
