// n8n Code node ("Run Once for All Items"): turns the LLM node's output into Tally usage events.
// Paste it into a Code node placed after the LLM node; the next node (HTTP Request) posts
// {jsonrpc: "2.0", method: "ingest.events", params: {events: $json.events}} to Tally.
//
// Edit these three constants per workflow (or read them from the items).
const CLIENT = 'acme';            // the agency's client this workflow runs for
const INSTANCE = 'n8n-prod';      // which n8n instance this is
const PROVIDER = 'openai';        // openai, anthropic, gemini, openrouter, bedrock

const events = [];
for (const [index, item] of $input.all().entries()) {
  const out = item.json;
  // The provider's own usage object, as the provider returned it: Tally maps it (OpenAI chat
  // completions and responses, Anthropic messages, Gemini usageMetadata, OpenRouter, Bedrock).
  const providerUsage = out.usage ?? out.usageMetadata ?? out.response?.usage ?? null;
  // LangChain-based nodes (AI Agent, Basic LLM Chain) report tokenUsage {promptTokens, completionTokens}.
  const tokenUsage = out.tokenUsage ?? out.response?.tokenUsage ?? null;
  const event = {
    // Stable per execution, node and item: a retry of the HTTP Request node re-sends the same
    // ids and Tally answers "duplicate", so nothing is counted twice.
    id: `n8n-${$execution.id}-${$prevNode.name}-${index}`,
    ts: new Date().toISOString(),
    provider: PROVIDER,
    model: out.model ?? out.modelVersion ?? out.response?.model ?? 'unknown',
    client: CLIENT,
    workflow: { id: String($workflow.id), name: $workflow.name },
    instance: INSTANCE,
    execution_id: String($execution.id),
    status: out.error ? 'error' : 'success',
  };
  if (providerUsage) {
    event.provider_usage = providerUsage;
  } else if (tokenUsage) {
    // Only totals are known: prompt tokens count as uncached input.
    event.usage = { input_tokens: tokenUsage.promptTokens ?? 0, output_tokens: tokenUsage.completionTokens ?? 0 };
  } else {
    event.usage = { requests: 1 }; // no usage reported: still record the call
  }
  events.push(event);
}
return [{ json: { events } }];
