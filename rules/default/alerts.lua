-- Tally's default budget alerts: one alert for each threshold the spend has just crossed.
--
-- on_spend(status) is called after spend is recorded for a client with a budget; the budgets
-- module decides which thresholds were crossed (each fires once per period) and this file
-- decides what the alerts say. Return a list of {key, level, message, data}, or nil.
-- See docs/rules.md for the status fields.

local floor = math.floor
local format = string.format
local ipairs = ipairs
local tostring = tostring
local type = type

local M = {}

local function level_for(threshold)
  if threshold >= 1 then
    return "critical"
  elseif threshold >= 0.8 then
    return "warning"
  end
  return "info"
end

function M.on_spend(status)
  local crossed = status.thresholds_crossed
  if type(crossed) ~= "table" then
    return nil
  end
  local client = tostring(status.client or "unknown client")
  local budget = tostring(status.budget_id or status.client or "budget")
  local period = tostring(status.period or "current")
  local alerts = {}
  for _, threshold in ipairs(crossed) do
    if type(threshold) == "number" then
      local percent = floor(threshold * 100 + 0.5)
      alerts[#alerts + 1] = {
        key = format("budget:%s:%s:%d", budget, period, percent),
        level = level_for(threshold),
        message = format("%s has used %d%% of its budget for %s (%s of %s USD)",
          client, percent, period, tostring(status.spent or "?"), tostring(status.amount or "?")),
        data = {
          client = status.client,
          budget_id = status.budget_id,
          period = status.period,
          threshold = threshold,
          spent = status.spent,
          amount = status.amount,
        },
      }
    end
  end
  return alerts
end

return M
