"""SOQL's words: the tokenizer and the date literals (``TODAY``, ``LAST_N_DAYS:n``...).

Kept apart from the parser in ``soql.py`` so that what counts as a token,
a string escape or a date range can be read (and tested) without the
grammar around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

_TOKEN_RE = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)
    | (?P<date>\d{4}-\d{2}-\d{2})
    | (?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))
    | (?P<string>')
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::\d+)?)
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<punct>[(),])
    """,
    re.VERBOSE,
)

_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'"}


@dataclass(frozen=True)
class Token:
    kind: str  # ident, string, number, date, datetime, op, punct, eof
    text: str
    pos: int
    value: Any = None
    like: str | None = None  # strings only: the LIKE pattern, \% and \_ kept escaped

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "ident" and self.text.upper() in words


def tokenize(text: str, fail: Any) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            raise fail("MALFORMED_QUERY", f"unexpected token: '{text[pos]}'", pos)
        kind = match.lastgroup or ""
        if kind == "string":
            token, pos = _read_string(text, pos, fail)
            tokens.append(token)
            continue
        value_text = match.group()
        if kind == "datetime":
            if not re.search(r"(Z|[+-]\d{2}:?\d{2})$", value_text):
                raise fail(
                    "MALFORMED_QUERY",
                    f"line 1:{pos} no viable alternative at character '{value_text}': "
                    "datetime literals need a time zone (Z or +hh:mm)",
                    pos,
                )
            tokens.append(Token(kind, value_text, pos, _parse_datetime(value_text, pos, fail)))
        elif kind == "date":
            try:
                tokens.append(Token(kind, value_text, pos, date.fromisoformat(value_text)))
            except ValueError:
                raise fail("MALFORMED_QUERY", f"invalid date: {value_text}", pos) from None
        elif kind == "number":
            number: int | float = float(value_text) if "." in value_text else int(value_text)
            tokens.append(Token(kind, value_text, pos, number))
        elif kind != "ws":
            tokens.append(Token(kind, value_text, pos))
        pos = match.end()
    tokens.append(Token("eof", "<EOF>", len(text)))
    return tokens


def _parse_datetime(text: str, pos: int, fail: Any) -> datetime:
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        raise fail("MALFORMED_QUERY", f"invalid datetime: {text}", pos) from None


def _read_string(text: str, start: int, fail: Any) -> tuple[Token, int]:
    """Read a quoted literal; return it unescaped and as a LIKE pattern."""
    value: list[str] = []
    like: list[str] = []
    pos = start + 1
    while pos < len(text):
        char = text[pos]
        if char == "'":
            token = Token("string", text[start : pos + 1], start, "".join(value), "".join(like))
            return token, pos + 1
        if char == "\\":
            escaped = text[pos + 1 : pos + 2]
            if escaped.lower() in _SIMPLE_ESCAPES or escaped == '"':
                plain = _SIMPLE_ESCAPES.get(escaped.lower(), escaped)
                value.append(plain)
                like.append(plain)
            elif escaped == "\\":
                value.append("\\")
                like.append("\\\\")
            elif escaped in ("%", "_"):
                value.append(escaped)
                like.append("\\" + escaped)
            else:
                raise fail(
                    "MALFORMED_QUERY",
                    f"Invalid string literal '{text[start : pos + 2]}'. "
                    f"Illegal character sequence '\\{escaped}' in string literal.",
                    pos,
                )
            pos += 2
            continue
        value.append(char)
        like.append("\\\\" if char == "\\" else char)
        pos += 1
    raise fail("MALFORMED_QUERY", "unterminated string literal", start)


# --------------------------------------------------------------------------- date literals


@dataclass(frozen=True)
class DateRange:
    """A SOQL date literal: every instant from ``start`` up to, not including, ``end``."""

    start: date
    end: date


def date_literal(name: str, today: date) -> DateRange | None:
    word, _, n_text = name.upper().partition(":")
    n = int(n_text) if n_text else None
    day = timedelta(days=1)
    week_start = today - timedelta(days=(today.weekday() + 1) % 7)  # weeks start on Sunday
    month_start = today.replace(day=1)
    fixed = {
        "TODAY": (today, today + day),
        "YESTERDAY": (today - day, today),
        "TOMORROW": (today + day, today + 2 * day),
        "THIS_WEEK": (week_start, week_start + 7 * day),
        "LAST_WEEK": (week_start - 7 * day, week_start),
        "NEXT_WEEK": (week_start + 7 * day, week_start + 14 * day),
        "THIS_MONTH": (month_start, _add_months(month_start, 1)),
        "LAST_MONTH": (_add_months(month_start, -1), month_start),
        "NEXT_MONTH": (_add_months(month_start, 1), _add_months(month_start, 2)),
        "THIS_YEAR": (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
        "LAST_YEAR": (date(today.year - 1, 1, 1), date(today.year, 1, 1)),
        "NEXT_YEAR": (date(today.year + 1, 1, 1), date(today.year + 2, 1, 1)),
        "LAST_90_DAYS": (today - 90 * day, today + day),
        "NEXT_90_DAYS": (today + day, today + 91 * day),
    }
    if n is None:
        bounds = fixed.get(word)
        return DateRange(*bounds) if bounds else None
    with_n = {
        "LAST_N_DAYS": (today - n * day, today + day),
        "NEXT_N_DAYS": (today + day, today + (n + 1) * day),
        "N_DAYS_AGO": (today - n * day, today - (n - 1) * day),
        "LAST_N_MONTHS": (_add_months(month_start, -n), month_start),
        "NEXT_N_MONTHS": (_add_months(month_start, 1), _add_months(month_start, n + 1)),
        "LAST_N_YEARS": (date(today.year - n, 1, 1), date(today.year, 1, 1)),
        "NEXT_N_YEARS": (date(today.year + 1, 1, 1), date(today.year + n + 1, 1, 1)),
    }
    bounds = with_n.get(word)
    return DateRange(*bounds) if bounds else None


def _add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
