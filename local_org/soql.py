"""Translate the SOQL subset Rapport sends into parameterised DuckDB SQL.

The local org must refuse exactly the queries a real org refuses, with the
same error codes, or the connector's error handling is never exercised. So
this is a strict hand-written parser, not a permissive rewrite: unknown
objects, unknown fields, mistyped literals and AND/OR mixed without
parentheses are all errors, as they are in Salesforce.

Salesforce semantics that differ from SQL and are reproduced here:
  * text comparisons (=, !=, <, IN, LIKE, ORDER BY) ignore case;
  * ``!=`` and ``NOT IN`` match rows whose field is null;
  * ORDER BY puts nulls first when ascending, last when descending;
  * date literals such as ``TODAY`` denote a whole range of time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from connectors.salesforce.api.ids import InvalidSalesforceId, to_18
from local_org.schema import FieldSpec, ObjectSpec
from local_org.soql_lexer import DateRange, Token, date_literal, tokenize
from rapport.errors import RapportError

TEXT_TYPES = frozenset(
    {
        "string",
        "picklist",
        "multipicklist",
        "combobox",
        "email",
        "phone",
        "url",
        "textarea",
        "encryptedstring",
    }
)
ID_TYPES = frozenset({"id", "reference"})
# Salesforce names the expected type in its error messages with these words.
NUMBER_TYPES = {"int": "integer", "double": "double", "currency": "double", "percent": "double"}

# The query result always carries the record Id (for attributes.url) under
# this name, whether or not the SELECT list asked for it.
ID_COLUMN = "__rapport_id"

_ADDRESS_PARTS = (
    ("street", "Street", "VARCHAR"),
    ("city", "City", "VARCHAR"),
    ("state", "State", "VARCHAR"),
    ("postalCode", "PostalCode", "VARCHAR"),
    ("country", "Country", "VARCHAR"),
    ("latitude", "Latitude", "DOUBLE"),
    ("longitude", "Longitude", "DOUBLE"),
    ("geocodeAccuracy", "GeocodeAccuracy", "VARCHAR"),
)

_UNKNOWN_FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' "
    "after the custom field name. Please reference your WSDL or the describe "
    "call for the appropriate names."
)
_UNKNOWN_OBJECT_HINT = (
    "If you are attempting to use a custom object, be sure to append the '__c' "
    "after the entity name. Please reference your WSDL or the describe call "
    "for the appropriate names."
)


class SoqlError(RapportError):
    """A query the org refuses; ``error_code`` is Salesforce's errorCode."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message


@dataclass(frozen=True)
class CompiledQuery:
    object_name: str
    fields: tuple[str, ...]  # canonical API names in SELECT order; empty for COUNT()
    is_count: bool
    sql: str
    params: tuple[Any, ...]


def compile_soql(
    soql: str,
    objects: Mapping[str, ObjectSpec],
    *,
    include_deleted: bool = False,
    today: date | None = None,
) -> CompiledQuery:
    """Parse ``soql`` and return SQL over one table per object."""
    return _Parser(soql, objects, include_deleted, today or datetime.now(UTC).date()).parse()


def compound_components(compound: FieldSpec) -> list[tuple[str, str, str]]:
    """(json key, component field name, SQL type) of an address/location field."""
    if compound.type == "location":
        base = compound.name.removesuffix("__c")
        parts = [("latitude", f"{base}__Latitude__s"), ("longitude", f"{base}__Longitude__s")]
        return [(key, name, "DOUBLE") for key, name in parts]
    prefix = compound.name.removesuffix("Address")
    return [(key, prefix + suffix, sql_type) for key, suffix, sql_type in _ADDRESS_PARTS]


def compound_parent(spec: ObjectSpec, field_name: str) -> str | None:
    """The compound field a component belongs to (BillingCity -> BillingAddress)."""
    for candidate in spec.fields.values():
        if candidate.is_compound and any(
            name == field_name for _, name, _ in compound_components(candidate)
        ):
            return candidate.name
    return None


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --------------------------------------------------------------------------- parser

_COMPARISON_OPS = {"=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class _Parser:
    def __init__(
        self,
        text: str,
        objects: Mapping[str, ObjectSpec],
        include_deleted: bool,
        today: date,
    ) -> None:
        self.text = text
        self.objects = objects
        self.include_deleted = include_deleted
        self.today = today
        self.params: list[Any] = []
        self.tokens = tokenize(text, self._error)
        self.index = 0
        self.spec: ObjectSpec | None = None

    # -- plumbing

    def _error(self, code: str, detail: str, pos: int) -> SoqlError:
        """Salesforce's error text: the offending line, a caret, row and column."""
        line_start = self.text.rfind("\n", 0, pos) + 1
        line_end = self.text.find("\n", pos)
        line = self.text[line_start : line_end if line_end != -1 else len(self.text)]
        row = self.text.count("\n", 0, pos) + 1
        column = pos - line_start
        message = f"\n{line}\n{' ' * column}^\nERROR at Row:{row}:Column:{column + 1}\n{detail}"
        return SoqlError(code, message)

    def _unexpected(self, token: Token) -> SoqlError:
        return self._error("MALFORMED_QUERY", f"unexpected token: '{token.text}'", token.pos)

    def _peek(self) -> Token:
        return self.tokens[self.index]

    def _advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "eof":
            self.index += 1
        return token

    def _expect_keyword(self, word: str) -> Token:
        token = self._advance()
        if not token.is_keyword(word):
            raise self._unexpected(token)
        return token

    def _expect_punct(self, char: str) -> Token:
        token = self._advance()
        if token.kind != "punct" or token.text != char:
            raise self._unexpected(token)
        return token

    def _at_punct(self, char: str) -> bool:
        token = self._peek()
        return token.kind == "punct" and token.text == char

    # -- grammar

    def parse(self) -> CompiledQuery:
        self._expect_keyword("SELECT")
        field_tokens, is_count = self._select_list()
        self._expect_keyword("FROM")
        spec = self._object(self._advance())
        self.spec = spec
        fields = self._resolve_select(spec, field_tokens)

        where = ""
        if self._peek().is_keyword("WHERE"):
            self._advance()
            where = self._condition()
        order_by: list[str] = []
        if self._peek().is_keyword("ORDER"):
            self._advance()
            self._expect_keyword("BY")
            order_by = self._order_list()
        limit = self._count_clause("LIMIT")
        offset = self._count_clause("OFFSET")
        if self._peek().kind != "eof":
            raise self._unexpected(self._peek())

        filters = []
        if "IsDeleted" in spec.fields and not self.include_deleted:
            filters.append('"IsDeleted" = false')
        if where:
            filters.append(where)
        sql = f"FROM {quote_ident(spec.name)}"
        if filters:
            sql += " WHERE " + " AND ".join(filters)
        if order_by:
            sql += " ORDER BY " + ", ".join(order_by)
        if limit is not None:
            sql += f" LIMIT {limit}"
        if offset is not None:
            sql += f" OFFSET {offset}"

        if is_count:
            sql = f"SELECT count(*) FROM (SELECT 1 {sql})"
        else:
            columns = [f'"Id" AS {quote_ident(ID_COLUMN)}']
            columns += [self._select_expression(spec, spec.fields[name]) for name in fields]
            sql = f"SELECT {', '.join(columns)} {sql}"
        return CompiledQuery(spec.name, tuple(fields), is_count, sql, tuple(self.params))

    def _select_list(self) -> tuple[list[Token], bool]:
        token = self._peek()
        if token.is_keyword("COUNT") and self.tokens[self.index + 1].text == "(":
            self._advance()
            self._expect_punct("(")
            if not self._at_punct(")"):
                raise self._error(
                    "MALFORMED_QUERY",
                    "only COUNT() is supported; aggregate functions are not",
                    token.pos,
                )
            self._advance()
            return [], True
        fields = [self._select_item()]
        while self._at_punct(","):
            self._advance()
            fields.append(self._select_item())
        return fields, False

    def _select_item(self) -> Token:
        token = self._advance()
        if token.kind != "ident" or token.is_keyword("FROM"):
            raise self._unexpected(token)
        if self._at_punct("("):
            raise self._error(
                "MALFORMED_QUERY",
                f"function '{token.text}' is not supported by the local org",
                token.pos,
            )
        return token

    def _object(self, token: Token) -> ObjectSpec:
        if token.kind != "ident":
            raise self._unexpected(token)
        wanted = token.text.lower()
        spec = next((s for name, s in self.objects.items() if name.lower() == wanted), None)
        if spec is None:
            raise self._error(
                "INVALID_TYPE",
                f"sObject type '{token.text}' is not supported. {_UNKNOWN_OBJECT_HINT}",
                token.pos,
            )
        return spec

    def _resolve_select(self, spec: ObjectSpec, tokens: list[Token]) -> list[str]:
        names: list[str] = []
        for token in tokens:
            field = self._field(spec, token)
            if field.name in names:
                raise self._error(
                    "MALFORMED_QUERY", f"duplicate field selected: {field.name}", token.pos
                )
            names.append(field.name)
        return names

    def _field(self, spec: ObjectSpec, token: Token) -> FieldSpec:
        if token.kind != "ident":
            raise self._unexpected(token)
        path = token.text.split(".")
        if len(path) == 2 and path[0].lower() == spec.name.lower():
            path = path[1:]
        if len(path) > 1:
            raise self._error(
                "INVALID_FIELD",
                f"Didn't understand relationship '{path[0]}' in field path. If you are "
                "attempting to use a custom relationship, be sure to append the '__r' "
                "after the custom relationship name. Please reference your WSDL or the "
                "describe call for the appropriate names.",
                token.pos,
            )
        field = spec.field_ci(path[0])
        if field is None:
            raise self._error(
                "INVALID_FIELD",
                f"No such column '{path[0]}' on entity '{spec.name}'. {_UNKNOWN_FIELD_HINT}",
                token.pos,
            )
        return field

    def _select_expression(self, spec: ObjectSpec, field: FieldSpec) -> str:
        if not field.is_compound:
            return quote_ident(field.name)
        parts = compound_components(field)
        present = [name for _, name, _ in parts if name in spec.fields]
        if not present:
            return f"NULL AS {quote_ident(field.name)}"
        members = ", ".join(
            f"{key} := "
            + (quote_ident(name) if name in spec.fields else f"CAST(NULL AS {sql_type})")
            for key, name, sql_type in parts
        )
        all_null = " AND ".join(f"{quote_ident(name)} IS NULL" for name in present)
        return (
            f"CASE WHEN {all_null} THEN NULL ELSE struct_pack({members}) END "
            f"AS {quote_ident(field.name)}"
        )

    # -- WHERE

    def _condition(self) -> str:
        """A run of conditions joined by one connective; SOQL needs () to mix them."""
        parts = [self._unary()]
        connective: str | None = None
        while self._peek().is_keyword("AND", "OR"):
            token = self._advance()
            word = token.text.upper()
            if connective is not None and word != connective:
                raise self._unexpected(token)
            connective = word
            parts.append(self._unary())
        if connective is None:
            return parts[0]
        return "(" + f" {connective} ".join(parts) + ")"

    def _unary(self) -> str:
        if self._peek().is_keyword("NOT"):
            self._advance()
            # Nulls compare as plain false in SOQL, so NOT must never see SQL's NULL.
            return f"(NOT coalesce({self._unary()}, false))"
        if self._at_punct("("):
            self._advance()
            inner = self._condition()
            self._expect_punct(")")
            return f"({inner})"
        return self._comparison()

    def _comparison(self) -> str:
        assert self.spec is not None
        field_token = self._advance()
        if field_token.kind != "ident" or field_token.is_keyword("NOT", "AND", "OR"):
            raise self._unexpected(field_token)
        field = self._field(self.spec, field_token)
        if field.is_compound:
            raise self._error(
                "INVALID_FIELD",
                f"field '{field.name}' can not be filtered in a query call",
                field_token.pos,
            )
        token = self._advance()
        if token.is_keyword("NOT"):
            self._expect_keyword("IN")
            return self._in_list(field, negate=True)
        if token.is_keyword("IN"):
            return self._in_list(field, negate=False)
        if token.is_keyword("LIKE"):
            return self._like(field, self._advance())
        if token.kind == "op":
            return self._compare(field, _COMPARISON_OPS[token.text], self._advance(), token)
        raise self._unexpected(token)

    def _column(self, field: FieldSpec) -> str:
        column = quote_ident(field.name)
        return f"lower({column})" if field.type in TEXT_TYPES else column

    def _bind(self, field: FieldSpec, value: Any) -> str:
        if isinstance(value, str) and field.type in TEXT_TYPES:
            value = value.lower()
        self.params.append(value)
        return "?"

    def _compare(self, field: FieldSpec, op: str, token: Token, op_token: Token) -> str:
        value = self._literal(field, token)
        column = self._column(field)
        if value is None:
            if op not in ("=", "!="):
                raise self._error(
                    "INVALID_QUERY_FILTER_OPERATOR",
                    f"invalid operator '{op}' for a null comparison",
                    op_token.pos,
                )
            return f"{quote_ident(field.name)} IS {'NOT ' if op == '!=' else ''}NULL"
        if field.type == "boolean" and op not in ("=", "!="):
            raise self._error(
                "INVALID_QUERY_FILTER_OPERATOR",
                f"invalid operator on boolean field: {field.name}",
                op_token.pos,
            )
        if isinstance(value, DateRange):
            return self._compare_range(field, op, value)
        if op == "!=":
            return f"{column} IS DISTINCT FROM {self._bind(field, value)}"
        return f"{column} {op} {self._bind(field, value)}"

    def _compare_range(self, field: FieldSpec, op: str, span: DateRange) -> str:
        column = quote_ident(field.name)
        start: date | datetime = span.start
        end: date | datetime = span.end
        if field.type == "datetime":
            start = datetime.combine(span.start, time(), UTC)
            end = datetime.combine(span.end, time(), UTC)
        if op == "=":
            self.params += [start, end]
            return f"({column} >= ? AND {column} < ?)"
        if op == "!=":
            self.params += [start, end]
            return f"({column} IS NULL OR {column} < ? OR {column} >= ?)"
        bound, sql_op = {
            "<": (start, "<"),
            "<=": (end, "<"),
            ">": (end, ">="),
            ">=": (start, ">="),
        }[op]
        self.params.append(bound)
        return f"{column} {sql_op} ?"

    def _in_list(self, field: FieldSpec, negate: bool) -> str:
        self._expect_punct("(")
        values: list[Any] = []
        tokens = []
        while True:
            token = self._advance()
            if token.kind in ("punct", "eof"):
                raise self._unexpected(token)
            tokens.append(token)
            if not self._at_punct(","):
                break
            self._advance()
        self._expect_punct(")")
        if field.type == "boolean":
            raise self._error(
                "INVALID_QUERY_FILTER_OPERATOR",
                f"invalid operator on boolean field: {field.name}",
                tokens[0].pos,
            )
        for token in tokens:
            value = self._literal(field, token)
            if isinstance(value, DateRange):
                raise self._error(
                    "MALFORMED_QUERY",
                    f"date literal {token.text} is not supported inside IN",
                    token.pos,
                )
            values.append(value)
        has_null = None in values
        placeholders = ", ".join(self._bind(field, v) for v in values if v is not None)
        column = self._column(field)
        raw = quote_ident(field.name)
        if negate:
            clause = f"{column} NOT IN ({placeholders})" if placeholders else "true"
            return (
                f"({raw} IS NOT NULL AND {clause})" if has_null else f"({raw} IS NULL OR {clause})"
            )
        clause = f"{column} IN ({placeholders})" if placeholders else "false"
        return f"({raw} IS NULL OR {clause})" if has_null else clause

    def _like(self, field: FieldSpec, token: Token) -> str:
        if field.type not in TEXT_TYPES and field.type not in ID_TYPES:
            raise self._error(
                "INVALID_QUERY_FILTER_OPERATOR",
                f"invalid operator on field '{field.name}': LIKE needs a text field",
                token.pos,
            )
        if token.kind != "string":
            raise self._type_error(field, token)
        self.params.append(token.like)
        return f"{quote_ident(field.name)} ILIKE ? ESCAPE '\\'"

    def _type_error(self, field: FieldSpec, token: Token) -> SoqlError:
        if field.type in TEXT_TYPES or field.type in ID_TYPES:
            expected = "string" if field.type in TEXT_TYPES else "id"
            detail = f"must be of type {expected} and should be enclosed in quotes"
        else:
            expected = {"date": "date", "datetime": "dateTime", "boolean": "boolean"}.get(
                field.type, NUMBER_TYPES.get(field.type, field.type)
            )
            detail = f"must be of type {expected} and should not be enclosed in quotes"
        return self._error(
            "INVALID_FIELD",
            f"value of filter criterion for field '{field.name}' {detail}",
            token.pos,
        )

    def _literal(self, field: FieldSpec, token: Token) -> Any:
        """The token's value, checked against the field's type as Salesforce does."""
        if token.kind == "ident":
            word = token.text.upper()
            if word == "NULL":
                return None
            if word in ("TRUE", "FALSE"):
                if field.type != "boolean":
                    raise self._type_error(field, token)
                return word == "TRUE"
            span = date_literal(word, self.today)
            if span is None:
                raise self._unexpected(token)
            if field.type not in ("date", "datetime"):
                raise self._type_error(field, token)
            return span
        if token.kind == "string":
            if field.type in TEXT_TYPES:
                return token.value
            if field.type in ID_TYPES:
                try:
                    return to_18(token.value)
                except InvalidSalesforceId:
                    raise self._error(
                        "INVALID_QUERY_FILTER_OPERATOR",
                        f"invalid ID field: {token.value}",
                        token.pos,
                    ) from None
            raise self._type_error(field, token)
        expected_kind = {"date": "date", "datetime": "datetime", "boolean": "boolean"}.get(
            field.type, "number" if field.type in NUMBER_TYPES else "string"
        )
        if token.kind != expected_kind:
            if token.kind in ("number", "date", "datetime"):
                raise self._type_error(field, token)
            raise self._unexpected(token)
        return token.value

    # -- ORDER BY / LIMIT

    def _order_list(self) -> list[str]:
        assert self.spec is not None
        items = []
        while True:
            token = self._advance()
            field = self._field(self.spec, token)
            if field.is_compound:
                raise self._error(
                    "INVALID_FIELD",
                    f"field '{field.name}' can not be sorted in a query call",
                    token.pos,
                )
            direction = "ASC"
            if self._peek().is_keyword("ASC", "DESC"):
                direction = self._advance().text.upper()
            nulls = "FIRST" if direction == "ASC" else "LAST"
            if self._peek().is_keyword("NULLS"):
                self._advance()
                nulls_token = self._advance()
                if not nulls_token.is_keyword("FIRST", "LAST"):
                    raise self._unexpected(nulls_token)
                nulls = nulls_token.text.upper()
            column = quote_ident(field.name)
            if field.type in TEXT_TYPES:
                column += " COLLATE NOCASE"
            items.append(f"{column} {direction} NULLS {nulls}")
            if not self._at_punct(","):
                return items
            self._advance()

    def _count_clause(self, keyword: str) -> int | None:
        if not self._peek().is_keyword(keyword):
            return None
        self._advance()
        token = self._advance()
        if token.kind != "number" or not isinstance(token.value, int) or token.value < 0:
            raise self._unexpected(token)
        return token.value
