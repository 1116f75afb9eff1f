-- Tally's default alerts. See docs/rules.md, section "Alerts", for the status table and the
-- contract.
--
-- on_spend(status) is called whenever a client's spend in a budget period changes. It returns
-- every alert whose condition is TRUE NOW, as a list of {key, level, message, data}; the engine
-- delivers each (budget, period, key) once and drops the keys it has already delivered. So this
-- file stays declarative: no counters, no memory between calls, and a key must name the same
-- condition every time it is true within a period.
--
--   key                          level                  condition
--   threshold:<label>            info/warning/critical  spend reached a budget threshold
--   forecast:overrun             warning                forecast over the budget while spend is under it
--   spike:<hour>                 warning                an hour's spend >= 3x the previous hours' average
--   failures:<workflow>:<hour>   warning                a workflow failed >= 25% of >= 10 calls in the last hour
--   unpriced:<model>             warning                events for a model with no price (not counted as $0)
--   unattributed:<UTC date>      warning                the agency's unattributed spend today is over the limit
--   rules:<file>                 warning                a rule file failed to load (the previous version serves)
--
-- Tunables: edit `config` below, or, without editing this file, put an `alerts.json` lookup table
-- beside it holding the settings to change, e.g. {"spike_factor": 4, "unattributed_limit_usd": 25}.
-- An unknown setting or a value of the wrong type refuses the rule set at load (a typo must not
-- silently keep the default).

local config = {
  -- thresholds: the level of a threshold alert follows the threshold's own level (ratio of the
  -- budget): info below warning_ratio, warning below critical_ratio, critical from critical_ratio
  thresholds_enabled = true,
  threshold_warning_ratio = 0.75,
  threshold_critical_ratio = 1.0,

  -- forecast overrun: forecast_ratio > 1 while ratio < 1, once at least forecast_min_elapsed of
  -- the period has passed (a fired key is spent for the whole period, so an early, noisy
  -- extrapolation must not use it up). Only when the period's times are unknown does it fall back
  -- to requiring forecast_min_active_hours hours with calls in the last 24.
  forecast_enabled = true,
  forecast_min_elapsed = 0.10,
  forecast_min_active_hours = 3,

  -- spend spike: an hour's spend >= spike_factor x the average of the (up to 23) hours before it,
  -- and >= spike_min_usd. Checked for the latest hour (its spend can only grow, so once over the
  -- bar it is a spike) and the one before it (late events may still land in it).
  spike_enabled = true,
  spike_factor = 3,
  spike_min_usd = 1,

  -- failure-rate spike on a workflow, over the client's last hour
  failures_enabled = true,
  failure_min_calls = 10,
  failure_min_ratio = 0.25,

  -- a model seen with no price: its events are not counted in spend until it is priced
  unpriced_enabled = true,

  -- the agency's unattributed spend this UTC day, in USD
  unattributed_enabled = true,
  unattributed_limit_usd = 10,

  -- a rule file that failed to load
  rule_errors_enabled = true,

  -- at most this many alerts per call (the engine refuses more than 100)
  max_alerts = 100,
}

-- Optional overrides from alerts.json (a lookup table); tally.table raises when there is none.
do
  local ok, overrides = pcall(tally.table, "alerts")
  if ok then
    for name, value in pairs(overrides) do
      local default = config[name]
      if default == nil then
        error("alerts.json: unknown setting '" .. tostring(name) .. "'")
      elseif type(value) ~= type(default) then
        error("alerts.json: '" .. name .. "' must be a " .. type(default) .. ", not a " .. type(value))
      end
      config[name] = value
    end
  end
  if config.max_alerts > 100 then config.max_alerts = 100 end
end

local floor = math.floor
local format = string.format
local match = string.match
local gsub = string.gsub
local ipairs = ipairs
local tonumber = tonumber
local tostring = tostring
local type = type

local M = {}

-- Helpers ---------------------------------------------------------------------------------------

local function text(value)
  if type(value) == "string" and value ~= "" then return value end
  return nil
end

-- A USD amount as a float, for comparisons only: the `_usd` mirror, else the decimal string.
local function usd(mirror, decimal)
  if type(mirror) == "number" then return mirror end
  if type(decimal) == "string" then return tonumber(decimal) end
  return nil
end

local function count(value)
  if type(value) == "number" then return value end
  return 0
end

-- Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm), and back.
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = z // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m, d
end

-- Seconds since the epoch of an RFC 3339 time ("2026-11-29T10:15:00Z", "...+01:00"), or nil.
local function parse_time(value)
  if type(value) ~= "string" then return nil end
  local y, mo, d, h, mi, s, rest = match(value, "^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)(.*)$")
  if not y then return nil end
  rest = gsub(rest, "^%.%d+", "")
  local offset = 0
  if rest ~= "Z" and rest ~= "z" then
    local sign, oh, om = match(rest, "^([+-])(%d%d):(%d%d)$")
    if not sign then return nil end
    offset = (tonumber(oh) * 60 + tonumber(om)) * 60
    if sign == "-" then offset = -offset end
  end
  return days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) * 86400
    + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s) - offset
end

local function utc_date(seconds)
  local y, m, d = civil_from_days(seconds // 86400)
  return format("%04d-%02d-%02d", y, m, d)
end

local function utc_hour(seconds)
  return format("%sT%02d:00:00Z", utc_date(seconds), (seconds % 86400) // 3600)
end

local function percent(ratio)
  return format("%.0f%%", ratio * 100)
end

-- Per-call context: the names every message uses.
local function context(status)
  local budget = type(status.budget) == "table" and status.budget or {}
  local period = status.period
  local period_key = type(period) == "table" and text(period.key) or text(period)
  return {
    client = text(status.client) or "unknown client",
    budget_id = text(budget.id) or text(status.budget_id) or "budget",
    budget = budget,
    amount_usd = usd(budget.amount_usd, budget.amount or status.amount),
    amount = text(budget.amount) or text(status.amount),
    period = period_key or "current period",
    now = parse_time(status.now),
  }
end

-- Alerts ----------------------------------------------------------------------------------------

local function level_for(ratio)
  if ratio == nil then return "warning" end
  if ratio >= config.threshold_critical_ratio then return "critical" end
  if ratio >= config.threshold_warning_ratio then return "warning" end
  return "info"
end

local function threshold_alerts(status, c, add)
  local crossed = status.thresholds_crossed
  if type(crossed) ~= "table" then return end
  for _, threshold in ipairs(crossed) do
    local ratio, label, amount_usd
    if type(threshold) == "number" then
      ratio = threshold
    elseif type(threshold) == "table" then
      label = text(threshold.label)
      if type(threshold.ratio) == "number" then
        ratio = threshold.ratio
      else
        amount_usd = usd(threshold.amount_usd, threshold.amount)
        if amount_usd and c.amount_usd and c.amount_usd > 0 then ratio = amount_usd / c.amount_usd end
        if not label and text(threshold.amount) then label = "$" .. threshold.amount end
      end
    end
    if not label and ratio and (type(threshold) == "number" or type(threshold.ratio) == "number") then
      label = format("%g%%", ratio * 100)
    end
    if label then
      local spent = text(status.spent) or "?"
      add {
        key = "threshold:" .. label,
        level = level_for(ratio),
        message = format("%s reached %s of budget %s for %s: %s of %s USD spent",
          c.client, label, c.budget_id, c.period, spent, c.amount or "?"),
        data = {
          kind = "threshold", client = c.client, budget_id = c.budget_id, period = c.period,
          label = label, threshold_ratio = ratio, spent = status.spent, amount = c.amount,
          ratio = status.ratio,
        },
      }
    end
  end
end

-- Share of the period elapsed at `now` (0..1), or nil when the times are unknown.
local function elapsed_share(status, c)
  local period = status.period
  if type(period) ~= "table" or not c.now then return nil end
  local start, finish = parse_time(period.start), parse_time(period["end"])
  if not start or not finish or finish <= start then return nil end
  return (c.now - start) / (finish - start)
end

local function active_hours(status)
  local hours = 0
  if type(status.hourly) == "table" then
    for _, hour in ipairs(status.hourly) do
      if type(hour) == "table" and (count(hour.calls) > 0 or (usd(hour.spent_usd, hour.spent) or 0) > 0) then
        hours = hours + 1
      end
    end
  end
  return hours
end

local function forecast_alert(status, c, add)
  local ratio = status.ratio
  local forecast_ratio = status.forecast_ratio
  if type(forecast_ratio) ~= "number" then
    local forecast = usd(status.forecast_usd, status.forecast)
    if forecast and c.amount_usd and c.amount_usd > 0 then forecast_ratio = forecast / c.amount_usd end
  end
  if type(ratio) ~= "number" or type(forecast_ratio) ~= "number" then return end
  if not (forecast_ratio > 1 and ratio < 1) then return end
  local elapsed = elapsed_share(status, c)
  if elapsed then
    if elapsed < config.forecast_min_elapsed then return end
  elseif active_hours(status) < config.forecast_min_active_hours then
    return
  end
  local period_end = type(status.period) == "table" and text(status.period["end"])
  add {
    key = "forecast:overrun",
    level = "warning",
    message = format("%s is on track to spend %s USD against a budget of %s USD for %s (%s)%s",
      c.client, text(status.forecast) or format("%.2f", forecast_ratio * (c.amount_usd or 0)),
      c.amount or "?", c.period, percent(forecast_ratio),
      period_end and (" by " .. period_end) or ""),
    data = {
      kind = "forecast", client = c.client, budget_id = c.budget_id, period = c.period,
      forecast = status.forecast, forecast_ratio = forecast_ratio, spent = status.spent,
      amount = c.amount, ratio = ratio, elapsed = elapsed,
    },
  }
end

local function spike_alerts(status, c, add)
  local hourly = status.hourly
  if type(hourly) ~= "table" then return end
  local n = #hourly
  for index = n - 1, n do
    local hour = hourly[index]
    if index >= 2 and type(hour) == "table" and text(hour.hour) then
      local spent = usd(hour.spent_usd, hour.spent) or 0
      local total, hours = 0, 0
      for previous = (index - 23 > 1 and index - 23 or 1), index - 1 do
        local entry = hourly[previous]
        total = total + ((type(entry) == "table" and usd(entry.spent_usd, entry.spent)) or 0)
        hours = hours + 1
      end
      local average = total / hours
      if spent >= config.spike_min_usd and spent >= config.spike_factor * average then
        add {
          key = "spike:" .. hour.hour,
          level = "warning",
          message = average > 0
            and format("%s spent %.2f USD in the hour from %s, %.1fx the average of the previous %d hours (%.2f USD/hour)",
              c.client, spent, hour.hour, spent / average, hours, average)
            or format("%s spent %.2f USD in the hour from %s, after nothing in the previous %d hours",
              c.client, spent, hour.hour, hours),
          data = {
            kind = "spike", client = c.client, budget_id = c.budget_id, hour = hour.hour,
            spent = text(hour.spent) or format("%.2f", spent), calls = hour.calls,
            average_usd = average, hours = hours,
          },
        }
      end
    end
  end
end

local function failure_alerts(status, c, add)
  local workflows = status.workflows
  if type(workflows) ~= "table" then return end
  -- one key per workflow and clock hour: at most one alert an hour for a failing workflow
  local hour = c.now and utc_hour(c.now // 3600 * 3600)
  for _, workflow in ipairs(workflows) do
    if type(workflow) == "table" then
      local id = text(workflow.id) or text(workflow.name)
      local calls, errors = count(workflow.calls), count(workflow.errors)
      if id and calls >= config.failure_min_calls and errors / calls >= config.failure_min_ratio then
        local name = text(workflow.name) or id
        add {
          key = "failures:" .. id .. (hour and (":" .. hour) or ""),
          level = "warning",
          message = format("%s: workflow %s failed %d of %d calls (%s) in the last hour",
            c.client, name, floor(errors), floor(calls), percent(errors / calls)),
          data = {
            kind = "failures", client = c.client, budget_id = c.budget_id, workflow_id = workflow.id,
            workflow_name = workflow.name, calls = calls, errors = errors, hour = hour,
          },
        }
      end
    end
  end
end

local function unpriced_alerts(status, c, add)
  local events = count(status.unpriced_events)
  local models = status.unpriced_models
  local named = 0
  if type(models) == "table" then
    for _, model in ipairs(models) do
      if text(model) then
        named = named + 1
        add {
          key = "unpriced:" .. model,
          level = "warning",
          message = format("%s: model %s has no price; its events in %s are not counted in spend until it is priced",
            c.client, model, c.period),
          data = {
            kind = "unpriced", client = c.client, budget_id = c.budget_id, period = c.period,
            model = model, unpriced_events = events,
          },
        }
      end
    end
  end
  if named == 0 and events > 0 then
    add {
      key = "unpriced:events",
      level = "warning",
      message = format("%s: %d events in %s have no price and are not counted in spend", c.client, floor(events), c.period),
      data = { kind = "unpriced", client = c.client, budget_id = c.budget_id, period = c.period, unpriced_events = events },
    }
  end
end

local function unattributed_alert(status, c, add)
  local unattributed = status.unattributed
  if type(unattributed) ~= "table" then return end
  local spent = usd(unattributed.spent_usd, unattributed.spent)
  if not spent or spent <= config.unattributed_limit_usd then return end
  local day = c.now and utc_date(c.now)
  add {
    key = "unattributed:" .. (day or "today"),
    level = "warning",
    message = format("%s USD of spend (%d events) could not be attributed to a client today%s, over the %s USD limit",
      text(unattributed.spent) or format("%.2f", spent), floor(count(unattributed.events)),
      day and (" (" .. day .. " UTC)") or "", format("%g", config.unattributed_limit_usd)),
    data = {
      kind = "unattributed", day = day, spent = unattributed.spent, events = unattributed.events,
      limit_usd = config.unattributed_limit_usd,
    },
  }
end

local function rule_error_alerts(status, c, add)
  local errors = status.rule_errors
  if type(errors) ~= "table" then return end
  for _, failure in ipairs(errors) do
    if type(failure) == "table" and text(failure.file) then
      add {
        key = "rules:" .. failure.file,
        level = "warning",
        message = format("rule file %s failed to load; the previous version keeps serving: %s",
          failure.file, text(failure.message) or "no details"),
        data = { kind = "rules", file = failure.file, error = failure.message },
      }
    end
  end
end

-- Entry point -----------------------------------------------------------------------------------

function M.on_spend(status)
  if type(status) ~= "table" then return nil end
  local c = context(status)
  local alerts = {}
  local function add(alert) alerts[#alerts + 1] = alert end

  -- most important first: if there are ever more than max_alerts, the tail is cut
  if config.thresholds_enabled then threshold_alerts(status, c, add) end
  if config.forecast_enabled then forecast_alert(status, c, add) end
  if config.spike_enabled then spike_alerts(status, c, add) end
  if config.failures_enabled then failure_alerts(status, c, add) end
  if config.unpriced_enabled then unpriced_alerts(status, c, add) end
  if config.unattributed_enabled then unattributed_alert(status, c, add) end
  if config.rule_errors_enabled then rule_error_alerts(status, c, add) end

  if #alerts > config.max_alerts then
    -- too many: leave out the ones already delivered, so the cut does not starve new ones
    local fired = type(status.fired) == "table" and status.fired or {}
    local kept = {}
    for _, alert in ipairs(alerts) do
      if not fired[alert.key] and #kept < config.max_alerts then kept[#kept + 1] = alert end
    end
    alerts = kept
  end
  return alerts
end

return M
