"""The experiment file as others see it: the JSON Schema published for editors, and the config's hash.

:func:`config_json_schema` is published for editors as ``schemas/experiment.schema.json`` inside the package; a
test holds the committed file equal to :func:`config_json_schema_text`. After changing a model, regenerate it
from the repository root with ``.venv/bin/python -m honeyhive_experiment schema >
src/honeyhive_experiment/schemas/experiment.schema.json``. The schema is a guide for editors; the models are
the authority (a few checks, such as ``min <= max`` or a valid format spec, are only in the models).
:func:`config_hash` identifies what a config means, for run metadata.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, NoDefault
from pydantic_core import core_schema

from honeyhive_experiment.config.fields import LARGEST_INT
from honeyhive_experiment.config.model import ExperimentConfig

__all__ = ["SCHEMA_ID", "config_hash", "config_json_schema", "config_json_schema_text"]

SCHEMA_ID: Final = "urn:honeyhive-experiment:schema:experiment-config:v1"
_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
_SCHEMA_TITLE: Final = "honeyhive-experiment config (.honeyhive/experiment.yml)"


class _WithoutNull(GenerateJsonSchema):
    """No key takes null (an optional key is left out instead): ``X | None`` is X's schema, and ``"default": null``
    goes; nor an integer's bound nobody means."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        """A key's pattern (a metric name's ``^[^.]+$``) constrains every key, as the loader does: pydantic puts it in
        ``patternProperties``, which lets a key that does not match (``a.b``) through with any value."""
        json_schema = super().dict_schema(schema)
        patterns = json_schema.pop("patternProperties", None)
        if patterns is not None:
            [(pattern, values)] = patterns.items()
            json_schema["additionalProperties"] = values
            json_schema["propertyNames"] = {**json_schema.get("propertyNames", {}), "pattern": pattern}
        return json_schema

    def int_schema(self, schema: core_schema.IntSchema) -> JsonSchemaValue:
        """No ``maximum: 9223372036854775807``: the file's integers are 64-bit ones (:data:`LARGEST_INT`), a bound
        no field means (a count of datapoints has none); a field's own (``max_workers``: 256) stays."""
        json_schema = super().int_schema(schema)
        if json_schema.get("maximum") == LARGEST_INT:
            del json_schema["maximum"]
        return json_schema

    def get_default_value(self, schema: core_schema.WithDefaultSchema) -> Any:
        default = super().get_default_value(schema)
        return NoDefault if default is None else default


def config_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the config file, as published for editors."""
    schema = ExperimentConfig.model_json_schema(mode="validation", schema_generator=_WithoutNull)
    return {"$schema": _SCHEMA_DIALECT, "$id": SCHEMA_ID, **schema, "title": _SCHEMA_TITLE}


def config_json_schema_text() -> str:
    """:func:`config_json_schema` serialized exactly as the committed ``schemas/experiment.schema.json``."""
    return json.dumps(config_json_schema(), indent=2, ensure_ascii=True) + "\n"


def config_hash(config: ExperimentConfig) -> str:
    """The sha256 (hex) of the validated config's canonical JSON, defaults included.

    Two files that mean the same experiment hash the same (key order, spelled-out defaults, an evaluator
    written as a string or as ``{path: ...}``); any change of meaning changes the hash. For run metadata.
    """
    canonical = json.dumps(
        config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
