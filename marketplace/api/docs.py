"""The API reference page: the generated OpenAPI document, rendered for people."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, render_template
from markupsafe import Markup, escape

bp = Blueprint("api_reference", __name__, template_folder="templates")

_METHOD_ORDER = ("get", "post", "put", "patch", "delete")
_CODE = re.compile(r"`([^`]+)`")
#: friendlier words for the responses flask-smorest adds to every operation
_STANDARD_RESPONSES = {
    "UNPROCESSABLE_ENTITY": "`validation_failed`: a parameter or field is wrong; `errors` names it",
    "DEFAULT_ERROR": "Any other error, e.g. 500 `server_error`; always with a `code`",
}


def _status_order(status: str) -> tuple[int, str]:
    return (1, status) if not status.isdigit() else (0, status)


def rich(text: str | None) -> Markup:
    """Escaped text with `backticks` shown as code."""
    return Markup(_CODE.sub(r"<code>\1</code>", str(escape(text or ""))))  # noqa: S704


@dataclass
class Prop:
    name: str
    type: str
    link: str | None
    required: bool
    description: Markup
    notes: list[str] = field(default_factory=list)


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: Markup
    needs_token: bool
    #: "personalToken" for buyer endpoints, "bearerAuth" for co-op ones, "" when public
    token_kind: str
    parameters: list[Prop]
    body: Prop | None
    responses: list[Prop]


@dataclass
class Section:
    name: str
    description: Markup
    operations: list[Operation]


class _Reader:
    """Walks the OpenAPI dict and flattens it into what the template shows."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.components = spec.get("components", {})

    def type_of(self, schema: dict[str, Any]) -> tuple[str, str | None]:
        """A readable type and, for named schemas, the schema's name to link to."""
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return name, name
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.type_of(schema["allOf"][0])
        if schema.get("type") == "array":
            inner, link = self.type_of(schema.get("items", {}))
            return f"array of {inner}", link
        kind = schema.get("type", "any")
        if schema.get("format"):
            kind = f"{kind} ({schema['format']})"
        return kind, None

    @staticmethod
    def notes(schema: dict[str, Any]) -> list[str]:
        found = []
        if "enum" in schema:
            found.append("one of: " + ", ".join(str(v) for v in schema["enum"]))
        for key, label in (
            ("minimum", "at least"),
            ("maximum", "at most"),
            ("minLength", "at least {} character(s)"),
            ("maxLength", "at most {} characters"),
            ("pattern", "pattern"),
            ("default", "default"),
        ):
            if key in schema:
                found.append(
                    label.format(schema[key]) if "{}" in label else f"{label} {schema[key]}"
                )
        if schema.get("nullable"):
            found.append("may be null")
        return found

    def prop(self, name: str, schema: dict[str, Any], required: bool) -> Prop:
        kind, link = self.type_of(schema)
        return Prop(name, kind, link, required, rich(schema.get("description")), self.notes(schema))

    def schema_props(self, schema: dict[str, Any]) -> list[Prop]:
        required = set(schema.get("required", []))
        return [
            self.prop(name, sub, name in required)
            for name, sub in schema.get("properties", {}).items()
        ]

    def response(self, status: str, response: dict[str, Any]) -> Prop:
        description = None
        if "$ref" in response:
            name = response["$ref"].rsplit("/", 1)[-1]
            description = _STANDARD_RESPONSES.get(name)
            response = self.components["responses"][name]
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        kind, link = self.type_of(schema) if schema else ("", None)
        return Prop(status, kind, link, False, rich(description or response.get("description")))

    def operation(self, path: str, method: str, op: dict[str, Any], common: list) -> Operation:
        parameters = [
            self.prop(
                f"{p['name']} ({p['in']})",
                {
                    **p.get("schema", {}),
                    **({"description": p["description"]} if "description" in p else {}),
                },
                p.get("required", False),
            )
            for p in [*common, *op.get("parameters", [])]
        ]
        body = None
        if "requestBody" in op:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            body = self.prop("JSON body", schema, op["requestBody"].get("required", False))
        return Operation(
            method=method.upper(),
            path=path,
            anchor=f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
            summary=op.get("summary", ""),
            description=rich(op.get("description")),
            needs_token=bool(op.get("security")),
            token_kind=next(iter(op["security"][0]), "") if op.get("security") else "",
            parameters=parameters,
            body=body,
            responses=[
                self.response(status, op["responses"][status])
                for status in sorted(op.get("responses", {}), key=_status_order)
            ],
        )

    def sections(self) -> list[Section]:
        by_tag: dict[str, list[Operation]] = {t["name"]: [] for t in self.spec.get("tags", [])}
        for path, item in self.spec.get("paths", {}).items():
            common = item.get("parameters", [])
            for method in _METHOD_ORDER:
                if method in item:
                    op = item[method]
                    tag = (op.get("tags") or ["Other"])[0]
                    by_tag.setdefault(tag, []).append(self.operation(path, method, op, common))
        described = {t["name"]: t.get("description", "") for t in self.spec.get("tags", [])}
        return [
            Section(name, rich(described.get(name)), operations)
            for name, operations in by_tag.items()
            if operations
        ]

    def schemas(self) -> list[tuple[str, Markup, list[Prop]]]:
        return [
            (name, rich(schema.get("description")), self.schema_props(schema))
            for name, schema in sorted(self.components.get("schemas", {}).items())
        ]


@bp.get("/api/v1/docs")
def index() -> str:
    from . import current_spec

    spec = current_spec()
    reader = _Reader(spec)
    return render_template(
        "api/docs.html",
        spec=spec,
        sections=reader.sections(),
        schemas=reader.schemas(),
    )
