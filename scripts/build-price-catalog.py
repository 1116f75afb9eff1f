#!/usr/bin/env python3
"""Build Tally's shipped price catalog from LiteLLM's model price file.

Usage:
    scripts/build-price-catalog.py LITELLM_JSON [--output PATH] [--snapshot-date YYYY-MM-DD]
                                   [--effective-from YYYY-MM-DD] [--source TEXT]

Reads LiteLLM's `model_prices_and_context_window.json` (per-token USD prices as JSON reals) and
writes `Sources/TallyServer/Resources/prices.json` in Tally's catalog format
(`tally.price-catalog.v1`, decoded by `PriceCatalog.decode` in TallyCore): integer pico-USD
(1e-12 USD) per token, one model per line so that price changes diff cleanly.

The conversion follows the same rules as `LiteLLMImport` in TallyCore (the `prices.import`
method); keep the two in step:
- only modes chat, completion and responses with input and output token prices;
- a JSON real is read through its shortest round-trip description (Python's repr, Swift's
  description) and converted exactly with `decimal`; digits below 1e-12 USD are rounded half
  to even and reported on stderr;
- providers are normalised (gemini and vertex_ai* -> google, bedrock_converse -> bedrock,
  codestral -> mistral, ...), a key's leading "<provider>/" is dropped from the model name, and
  duplicates keep the native section, then a prefixed key, then the first key.

Standard library only (Python 3.11).
"""

from __future__ import annotations

import argparse
import datetime
import decimal
import hashlib
import json
import re
import sys
from pathlib import Path

FORMAT = "tally.price-catalog.v1"
PICO = decimal.Decimal(10) ** 12

# ProviderName.aliases in Sources/TallyCore/Provider/ProviderName.swift.
PROVIDER_ALIASES = {
    "openai": "openai", "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "google": "google", "gemini": "google", "vertex_ai": "google", "vertex": "google", "vertexai": "google",
    "google_ai_studio": "google", "google-vertex": "google", "google-ai-studio": "google",
    "mistral": "mistral", "mistralai": "mistral", "codestral": "mistral", "text-completion-codestral": "mistral",
    "deepseek": "deepseek",
    "xai": "xai", "x-ai": "xai", "grok": "xai",
    "azure": "azure", "azure_openai": "azure", "azure-openai": "azure", "azure_text": "azure",
    "bedrock": "bedrock", "bedrock_converse": "bedrock", "aws_bedrock": "bedrock", "amazon_bedrock": "bedrock",
    "aws-bedrock": "bedrock", "amazon-bedrock": "bedrock",
    "openrouter": "openrouter",
}

# LiteLLMImport.sectionPreference.
SECTION_PREFERENCE = {
    "google": ["gemini", "vertex_ai-language-models", "vertex_ai"],
    "bedrock": ["bedrock_converse", "bedrock"],
    "mistral": ["mistral", "codestral", "text-completion-codestral"],
    "openai": ["openai", "text-completion-openai"],
    "azure": ["azure", "azure_text"],
}

SUPPORTED_MODES = {"chat", "completion", "responses"}

# LiteLLMPriceField.bases: longest first.
PRICE_BASES = [
    ("cache_creation_input_token_cost_above_1hr", "cache_write_1h", False),
    ("cache_creation_input_token_cost", "cache_write_5m", False),
    ("cache_read_input_token_cost", "cache_read", False),
    ("input_cost_per_token_cache_hit", "cache_read", True),
    ("output_cost_per_reasoning_token", "reasoning", False),
    ("output_cost_per_token", "output", False),
    ("input_cost_per_token", "input", False),
]
SUFFIX = re.compile(r"^(?:_above_([0-9]{1,6})k_tokens)?(?:_([a-z]+))?$")


def normalize_provider(raw: str) -> str:
    name = raw.strip().lower()
    if name in PROVIDER_ALIASES:
        return PROVIDER_ALIASES[name]
    if name.startswith("vertex_ai-") or name.startswith("vertex_ai/"):
        return "google"
    return name


def normalize_tier(raw: str) -> str:
    name = raw.strip().lower()
    if name in ("", "standard", "default", "auto", "on_demand", "on-demand", "standard_only"):
        return "standard"
    if name in ("batch", "batches"):
        return "batch"
    return name


def parse_price_field(name: str):
    """(kind, threshold or None, tier, secondary) for a per-token price field, else None."""
    for base, kind, secondary in PRICE_BASES:
        if name.startswith(base):
            match = SUFFIX.match(name[len(base):])
            if not match:
                return None
            threshold = int(match.group(1)) * 1000 if match.group(1) else None
            tier = normalize_tier(match.group(2)) if match.group(2) else "standard"
            return kind, threshold, tier, secondary
    return None


class SkipEntry(Exception):
    pass


def to_pico(key: str, field: str, value, rounded: list) -> int | None:
    """USD per unit as a JSON number -> integer pico-USD, exactly (rounded half-even below 1e-12)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise SkipEntry(f"{field}: expected a decimal string or a number, got boolean")
    if isinstance(value, float):
        text = repr(value)  # shortest round-trip, like Swift's Double.description
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise SkipEntry(f"{field}: expected a decimal string or a number, got {type(value).__name__}")
    try:
        amount = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise SkipEntry(f"{field}: {text!r} is not a decimal number") from None
    if not amount.is_finite():
        raise SkipEntry(f"{field}: {text!r} is not a finite number")
    if amount < 0:
        raise SkipEntry(f"{field}: {text!r} is negative; a price must be zero or more")
    scaled = amount * PICO
    pico = int(scaled.to_integral_value(rounding=decimal.ROUND_HALF_EVEN))
    if scaled != pico:
        rounded.append((key, field, text, pico))
    if pico > 2**63 - 1:
        raise SkipEntry(f"{field}: {text!r} is out of range")
    return pico


def convert(key: str, fields: dict, rounded: list):
    """One LiteLLM entry -> (entry dict, section, prefixed) or raise SkipEntry."""
    if key == "sample_spec":
        raise SkipEntry("format documentation, not a model")
    mode = fields.get("mode")
    if not isinstance(mode, str) or mode not in SUPPORTED_MODES:
        raise SkipEntry(f"mode {mode!r} is not chat, completion or responses")
    section = fields.get("litellm_provider")
    if not isinstance(section, str) or not section:
        raise SkipEntry("no litellm_provider")
    provider = normalize_provider(section)
    model, prefixed = key, False
    if "/" in key:
        first, rest = key.split("/", 1)
        if normalize_provider(first) == provider:
            model, prefixed = rest, True

    tiers: dict[str, dict] = {}
    secondary: dict[str, dict] = {}
    for name in sorted(fields):
        parsed = parse_price_field(name)
        if parsed is None:
            continue
        kind, threshold, tier, is_secondary = parsed
        pico = to_pico(key, name, fields[name], rounded)
        if pico is None:
            continue
        target = secondary if is_secondary else tiers
        target.setdefault(tier, {}).setdefault(threshold, {})[kind] = pico
    for tier, levels in secondary.items():
        for level, prices in levels.items():
            merged = dict(prices)
            merged.update(tiers.get(tier, {}).get(level, {}))
            tiers.setdefault(tier, {})[level] = merged
    base = tiers.get("standard", {}).get(None, {})
    if "input" not in base or "output" not in base:
        raise SkipEntry("no input_cost_per_token and output_cost_per_token")

    def tier_json(levels: dict) -> dict:
        out = {"prices": levels.get(None, {})}
        context = [
            {"above_input_tokens": level, "prices": prices}
            for level, prices in sorted((l, p) for l, p in levels.items() if l is not None)
        ]
        if context:
            out["context_tiers"] = context
        return out

    entry = {"provider": provider, "model": model, "mode": mode}
    entry.update(tier_json(tiers["standard"]))
    service_tiers = {tier: tier_json(levels) for tier, levels in sorted(tiers.items()) if tier != "standard"}
    if service_tiers:
        entry["service_tiers"] = service_tiers
    if "input_cost_per_request" in fields:
        fee = to_pico(key, "input_cost_per_request", fields["input_cost_per_request"], rounded)
        if fee is not None:
            entry["per_request"] = fee
    search = fields.get("search_context_cost_per_query")
    if search is not None:
        if isinstance(search, dict):
            for size in ("search_context_size_medium", "search_context_size_low", "search_context_size_high"):
                if size in search:
                    fee = to_pico(key, f"search_context_cost_per_query.{size}", search[size], rounded)
                    break
            else:
                fee = None
        else:
            fee = to_pico(key, "search_context_cost_per_query", search, rounded)
        if fee is not None:
            entry["per_web_search_call"] = fee
    return entry, section, prefixed


def build(source: dict):
    skipped, rounded = [], []
    groups: dict[tuple[str, str], list] = {}
    for key in sorted(source):
        fields = source[key]
        if not isinstance(fields, dict):
            skipped.append((key, "not an object"))
            continue
        try:
            entry, section, prefixed = convert(key, fields, rounded)
        except SkipEntry as reason:
            skipped.append((key, str(reason)))
            continue
        groups.setdefault((entry["provider"], entry["model"].lower()), []).append((key, section, prefixed, entry))

    entries = []
    for (provider, _), candidates in groups.items():
        order = SECTION_PREFERENCE.get(provider, [])

        def rank(candidate):
            key, section, prefixed, _ = candidate
            return (order.index(section) if section in order else len(order), 0 if prefixed else 1, key)

        candidates.sort(key=rank)
        entries.append(candidates[0][3])
        for loser in candidates[1:]:
            skipped.append((loser[0], f"same provider and model as {candidates[0][0]!r}, which was kept"))
    entries.sort(key=lambda e: (e["provider"], e["model"].lower()))
    skipped.sort()
    return entries, skipped, rounded


def render(entries: list, snapshot_date: str, effective_from: str, source: str) -> str:
    lines = [json.dumps(e, separators=(",", ":"), sort_keys=True, ensure_ascii=False) for e in entries]
    digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:8]
    header = [
        ("format", FORMAT),
        ("version", f"shipped-{snapshot_date}-{digest}"),
        ("effective_from", effective_from),
        ("source", source),
        ("unit", "integer pico-USD (1e-12 USD) per token; per_request and per_web_search_call per call"),
        ("generated_by", "scripts/build-price-catalog.py"),
    ]
    out = ["{"]
    out += [f"{json.dumps(k)}:{json.dumps(v, ensure_ascii=False)}," for k, v in header]
    out.append('"models":[')
    out.append(",\n".join(lines))
    out.append("]}")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("litellm_json", type=Path, help="LiteLLM model_prices_and_context_window.json")
    parser.add_argument(
        "--output", type=Path,
        default=Path(__file__).resolve().parent.parent / "Sources/TallyServer/Resources/prices.json")
    parser.add_argument(
        "--snapshot-date", default=datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
        help="date of the source snapshot, part of the catalog version (default: today, UTC)")
    parser.add_argument(
        "--effective-from", default="1970-01-01",
        help="date from which these prices apply (default: the epoch, i.e. the baseline for all history,"
             " since LiteLLM publishes no start dates)")
    parser.add_argument(
        "--source", default="LiteLLM model_prices_and_context_window.json (MIT licence)",
        help="where the prices come from, recorded in the catalog")
    args = parser.parse_args(argv)
    for name in ("snapshot_date", "effective_from"):
        try:
            datetime.date.fromisoformat(getattr(args, name))
        except ValueError:
            parser.error(f"--{name.replace('_', '-')} must be YYYY-MM-DD")

    with args.litellm_json.open(encoding="utf-8") as handle:
        source = json.load(handle)
    if not isinstance(source, dict):
        parser.error("the LiteLLM file must be a JSON object")
    entries, skipped, rounded = build(source)
    text = render(entries, args.snapshot_date, args.effective_from, args.source)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")

    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry["provider"]] = counts.get(entry["provider"], 0) + 1
    print(f"wrote {len(entries)} models to {args.output}", file=sys.stderr)
    for provider in sorted(counts, key=lambda p: (-counts[p], p)):
        print(f"  {provider}: {counts[provider]}", file=sys.stderr)
    reasons: dict[str, int] = {}
    for _, reason in skipped:
        kind = "duplicate" if reason.startswith("same provider") else reason.split(":")[0].split(" is not")[0]
        reasons[kind] = reasons.get(kind, 0) + 1
    print(f"skipped {len(skipped)} keys: " + ", ".join(f"{k} ({v})" for k, v in sorted(reasons.items(), key=lambda x: -x[1])[:8]),
          file=sys.stderr)
    for key, field, text, pico in rounded:
        print(f"rounded {key} {field}: {text} USD -> {pico} pico-USD", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
