"""What an LLM call cost: the experiment file's ``pricing:`` first, then the ``genai-prices`` library.

A call is priced by the provider and the model its span names (:class:`~honeyhive_experiment.llm_calls.LlmCall`:
``gen_ai.provider.name`` / ``gen_ai.system`` and the response model, then the request model), never by the
endpoint's URL, so an OpenAI-compatible proxy is priced as the model it serves. For each model, most specific
first: a price the experiment file gives for that model name (private or fine-tuned models, negotiated prices;
it overrides the library), else genai-prices' price for that provider, else its price for the model whichever
provider it names (the proxy case: OpenLLMetry calls every OpenAI-compatible endpoint ``openai``), else, of a
``provider/model`` name (a router's, as OpenInference reports it: ``openai/gpt-4o-mini``), that provider's price for
the model. A price from ``pricing:`` charges cache reads its ``cache_read`` price (default: its input price). A call
nobody has a price for, or one that reports no tokens, is unpriced: :meth:`Prices.cost` is None, never 0.

genai-prices (pydantic's; per provider and model, with dated price changes, cache-read prices and the
OpenTelemetry provider names) is imported on the first call that needs it, and only its bundled price snapshot is
read: nothing is downloaded at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from honeyhive_experiment.config import ModelPrice
from honeyhive_experiment.llm_calls import LlmCall

__all__ = ["Prices"]

_MILLION = Decimal(1_000_000)


class Prices:
    """Prices calls: ``overrides`` (model name → the experiment file's :class:`~honeyhive_experiment.config.ModelPrice`,
    case-insensitive) before genai-prices."""

    def __init__(self, overrides: Mapping[str, ModelPrice] | None = None) -> None:
        self._overrides = {name.lower(): price for name, price in (overrides or {}).items()}

    def cost(self, call: LlmCall) -> Decimal | None:
        """The call's cost in US dollars, or None when it is unpriced (no model, no price for its model, or no
        tokens)."""
        if not call.models or (call.input_tokens is None and call.output_tokens is None):
            return None
        input_tokens, output_tokens = call.input_tokens or 0, call.output_tokens or 0
        cached = min(call.cache_read_tokens or 0, input_tokens)  # input tokens include cache reads
        for model in call.models:
            price = self._overrides.get(model.lower())
            if price is not None:
                cache_read = price.input if price.cache_read is None else price.cache_read
                dollars = (
                    Decimal(str(price.input)) * (input_tokens - cached)
                    + Decimal(str(cache_read)) * cached
                    + Decimal(str(price.output)) * output_tokens
                )
                return dollars / _MILLION
        return self._from_library(call, input_tokens, output_tokens, cached)

    def _from_library(self, call: LlmCall, input_tokens: int, output_tokens: int, cached: int) -> Decimal | None:
        import genai_prices as prices  # the first call that needs it imports it; Python keeps the module

        usage = prices.Usage(input_tokens=input_tokens, output_tokens=output_tokens, cache_read_tokens=cached or None)
        for model in call.models:
            lookups = [(model, provider) for provider in dict.fromkeys((call.provider, None))]
            prefix, slash, name = model.partition("/")
            if slash and prefix and name:  # a router's or a proxy's provider/model (openai/gpt-4o-mini): its provider's
                lookups.append((name, prefix))
            for named, provider in lookups:
                try:
                    found = prices.calc_price(usage, named, provider_id=provider)
                except (LookupError, ValueError):  # no such provider or model, or usage it cannot price
                    continue
                return Decimal(found.total_price)
        return None
