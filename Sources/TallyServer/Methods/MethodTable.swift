import TallyRPC

/// Every method the server serves, assembled from the feature folders.
enum MethodTable {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        SessionMethods.methods(server) + HealthMethods.methods(server) + TokenMethods.methods(server)
            + IngestMethods.methods(server) + SpendMethods.methods(server) + PriceMethods.methods(server) + RuleMethods.methods(server)
            + AttributionMethods.methods(server) + BudgetMethods.methods(server) + AlertMethods.methods(server)
            + WebhookMethods.methods(server) + ClientMethods.methods(server) + ExecutionMethods.methods(server)
            + N8nMethods.methods(server) + ReportMethods.methods(server) + ReconcileMethods.methods(server)
    }
}
