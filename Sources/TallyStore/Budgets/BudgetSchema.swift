/// Budgets and fired alerts in an agency file (schema step 3).
///
/// - `budgets`: one row per budget; thresholds as JSON, the amount in pico-USD as text (an
///   Int128 may exceed SQLite's 64-bit integers).
/// - `alerts`: every alert fired, at most once per `(budget_id, period_key, key)`: the unique
///   key is what makes an alert fire exactly once, also across restarts. `outboxed` turns 1
///   once its webhook deliveries are queued, so a crash between the two is caught up at start.
enum BudgetSchema {
    static let migration = """
        CREATE TABLE budgets (
            id TEXT PRIMARY KEY,
            client TEXT NOT NULL,
            amount_pico TEXT NOT NULL,
            period TEXT NOT NULL,
            anchor INTEGER NOT NULL,
            timezone TEXT NOT NULL,
            thresholds TEXT NOT NULL,
            policy TEXT NOT NULL,
            workflow TEXT,
            provider TEXT,
            model TEXT,
            created_us INTEGER NOT NULL,
            updated_us INTEGER NOT NULL
        );
        CREATE INDEX budgets_by_client ON budgets (client);
        CREATE TABLE alerts (
            seq INTEGER PRIMARY KEY,
            budget_id TEXT NOT NULL,
            period_key TEXT NOT NULL,
            key TEXT NOT NULL,
            client TEXT,
            level TEXT NOT NULL,
            message TEXT NOT NULL,
            data TEXT NOT NULL,
            fired_us INTEGER NOT NULL,
            outboxed INTEGER NOT NULL DEFAULT 0,
            UNIQUE (budget_id, period_key, key)
        );
        CREATE INDEX alerts_by_time ON alerts (fired_us);
        """
}
