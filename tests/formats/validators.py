"""The published schemas the format tests validate against (files in ``tests/formats/schemas``)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import xmlschema

SCHEMAS = Path(__file__).parent / "schemas"
SARIF_SCHEMA = SCHEMAS / "sarif-schema-2.1.0.json"
JUNIT_XSD = SCHEMAS / "junit-10.xsd"


@cache
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def valid_sarif(text: str) -> dict[str, Any]:
    """The SARIF document in ``text``, asserting it validates against SARIF 2.1.0."""
    document: dict[str, Any] = json.loads(text)
    errors = sorted(sarif_validator().iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    return document


@cache
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(JUNIT_XSD))


def valid_junit(text: str) -> ET.Element:
    """The JUnit XML root in ``text``, asserting it validates against the JUnit 10 schema."""
    junit_schema().validate(text)
    return ET.fromstring(text.encode("utf-8"))
