/// Clients, executions and what joins them to the ledger (schema step 4).
///
/// - `events.outcomes` / `rollups.outcomes`: the business results an event reported (its
///   `outcomes` count, or the sum of its counts by label), summed like cost.
/// - `clients`: each client's profile (billing plan, minutes saved per task) as JSON; clients
///   first seen in events are added with defaults (`automatic = 1`).
/// - `client_workflows`: which client's profile names a workflow (an execution with no client
///   and no LLM events belongs to that client).
/// - `executions`: one row per workflow run, polled from n8n or pushed; updated while it runs.
///   `booked_*` is what the run currently adds to `execution_rollups` (taken out again when the
///   run or its spend changes).
/// - `execution_spend`: the LLM cost and events of each execution, kept in the ingest
///   transaction (like rollups), so cost per execution needs no scan of the events.
/// - `execution_rollups`: per hour of start, client (as the run or its events name it; empty
///   when neither does, resolved through `client_workflows` when a report is made), workflow
///   and status: runs, retries, their LLM cost and outcomes. Reports read these, so a month of
///   millions of runs is a few thousand rows.
/// - `rollups_by_hour` becomes a covering index (every rollup column), so a month of the
///   agency's spend is one scan of the index, without a lookup into the table per row.
/// - `n8n_instances`: registered n8n instances and their polling state.
///
/// Existing files are upgraded in place: outcomes are read back from each event's raw JSON, and
/// clients and execution spend are rebuilt from the events (a re-attribution made before the
/// upgrade is not reflected in `execution_spend.client`).
enum ExecutionSchema {
    static let migration = """
        ALTER TABLE events ADD COLUMN outcomes INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE rollups ADD COLUMN outcomes INTEGER NOT NULL DEFAULT 0;
        UPDATE events SET outcomes = CASE json_type(raw, '$.outcomes')
                WHEN 'integer' THEN json_extract(raw, '$.outcomes')
                ELSE (SELECT COALESCE(SUM(value), 0) FROM json_each(events.raw, '$.outcomes')) END
            WHERE json_type(raw, '$.outcomes') IN ('integer', 'object');
        UPDATE rollups SET outcomes = totals.outcomes FROM (
                SELECT COALESCE(client, '') AS client, ts_us - (ts_us % 3600000000) AS hour_us, provider, model, workflow,
                       instance, api_key, status, source, SUM(outcomes) AS outcomes
                FROM events WHERE outcomes > 0 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9) AS totals
            WHERE rollups.client = totals.client AND rollups.hour_us = totals.hour_us AND rollups.provider = totals.provider
              AND rollups.model = totals.model AND rollups.workflow = totals.workflow AND rollups.instance = totals.instance
              AND rollups.api_key = totals.api_key AND rollups.status = totals.status AND rollups.source = totals.source;

        CREATE TABLE clients (
            id TEXT PRIMARY KEY,
            profile TEXT NOT NULL,
            automatic INTEGER NOT NULL,
            created_us INTEGER NOT NULL,
            updated_us INTEGER NOT NULL
        );
        INSERT INTO clients (id, profile, automatic, created_us, updated_us)
            SELECT DISTINCT client, json_object('id', client), 1, CAST(strftime('%s', 'now') AS INTEGER) * 1000000,
                   CAST(strftime('%s', 'now') AS INTEGER) * 1000000
            FROM rollups WHERE client != '';

        CREATE TABLE client_workflows (
            workflow TEXT NOT NULL,
            client TEXT NOT NULL,
            PRIMARY KEY (workflow, client)
        ) WITHOUT ROWID;

        CREATE TABLE executions (
            instance TEXT NOT NULL,
            execution_id TEXT NOT NULL,
            workflow TEXT NOT NULL,
            workflow_name TEXT,
            status TEXT NOT NULL,
            started_us INTEGER NOT NULL,
            stopped_us INTEGER,
            mode TEXT,
            retry_of TEXT,
            client TEXT,
            source TEXT NOT NULL CHECK (source IN ('n8n', 'ingest')),
            updated_us INTEGER NOT NULL,
            booked_client TEXT NOT NULL DEFAULT '',
            booked_cost INTEGER NOT NULL DEFAULT 0,
            booked_outcomes INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (instance, execution_id)
        );
        CREATE INDEX executions_by_start ON executions (started_us);

        CREATE TABLE execution_spend (
            instance TEXT NOT NULL,
            execution_id TEXT NOT NULL,
            client TEXT,
            workflow TEXT NOT NULL,
            events INTEGER NOT NULL,
            unpriced INTEGER NOT NULL,
            cost_pico INTEGER NOT NULL,
            outcomes INTEGER NOT NULL,
            PRIMARY KEY (instance, execution_id)
        ) WITHOUT ROWID;
        INSERT INTO execution_spend (instance, execution_id, client, workflow, events, unpriced, cost_pico, outcomes)
            SELECT instance, execution_id, MAX(client), MAX(workflow), COUNT(*), SUM(cost_pico IS NULL), SUM(COALESCE(cost_pico, 0)), SUM(outcomes)
            FROM events WHERE execution_id IS NOT NULL GROUP BY instance, execution_id;

        CREATE TABLE execution_rollups (
            client TEXT NOT NULL,
            hour_us INTEGER NOT NULL,
            workflow TEXT NOT NULL,
            status TEXT NOT NULL,
            executions INTEGER NOT NULL,
            retries INTEGER NOT NULL,
            cost_pico INTEGER NOT NULL,
            retry_cost_pico INTEGER NOT NULL,
            outcomes INTEGER NOT NULL,
            PRIMARY KEY (hour_us, client, workflow, status)
        ) WITHOUT ROWID;
        CREATE INDEX execution_rollups_by_client ON execution_rollups (client, hour_us);

        -- Agency-wide spend queries and reports read a month of rollups through this index alone
        -- (every column: no lookup into the table per row, a quarter of the time).
        DROP INDEX rollups_by_hour;
        CREATE INDEX rollups_by_hour ON rollups (hour_us, client, provider, model, workflow, instance, api_key, status, source,
            events, errors, unpriced, cost_pico, outcomes, input_tokens, cache_read_tokens, cache_write_5m_tokens,
            cache_write_1h_tokens, output_tokens, reasoning_tokens, requests, web_search_calls);

        CREATE TABLE n8n_instances (
            id TEXT PRIMARY KEY,
            settings TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT '{}',
            created_us INTEGER NOT NULL
        );
        """
}
