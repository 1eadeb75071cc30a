"""The one escaping rule for every page the workbench writes or serves.

Names, paths, source lines, labels, notes and task keys come from the profiled code or
from a saved folder, so any of them may be hostile. Every renderer puts them into a page
through these functions only:

- `escape_html`: text in HTML, in an element or in a (double-quoted) attribute value.
  `<`, `>`, `&`, `"` and `'` become character references (`html.escape(quote=True)`), and
  the characters a reader could not see or a UTF-8 encoder cannot write become visible
  Python-style escapes (`visible`): a file name decoded with surrogateescape shows as
  "caf\\udce9.py" and the page still encodes to UTF-8.
- `script_json`: data inside a `<script>` block, as JSON in which `<`, `>`, `&`, U+2028
  and U+2029 are `\\u` escapes, so no `</script>`, `<!--` or line terminator can close
  or change the block; JSON.parse and JavaScript read the same values back.
- `escape_url`: an http(s) URL in an `href` or `src` attribute; any other scheme
  (`javascript:`, `data:`) is refused.
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlsplit

__all__ = ["escape_html", "escape_url", "script_json", "visible"]

# Lone surrogates (no UTF-8 encoding: str.encode("utf-8") raises), the C0 and C1 control
# characters but tab, newline and carriage return (NUL and friends are dropped or
# replaced by HTML parsers, so a name would show changed), and the bidirectional
# embeddings, overrides and isolates, which reorder the text after them on screen
# ("Trojan Source": code that reads differently from what runs).
_INVISIBLE = re.compile(
    "[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)
# The same and every line break, for text that must stay on one line (JavaScript's `.`
# stops at all four).
_INVISIBLE_OR_BREAK = re.compile(
    "[\ud800-\udfff\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)

# What JSON may hold but a <script> block must not: `<` (for `</script>` and `<!--`),
# `>` (for `-->`), `&` (for pages parsed as XHTML), and the two line terminators that
# JSON allows in strings and older JavaScript did not.
_SCRIPT_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_SCRIPT_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")

_URL_SCHEMES = ("http", "https")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, one_line: bool = False) -> str:
    """`text` with every invisible or unencodable character written as its Python escape.

    Parameters:
        text: any string, lone surrogates included.
        one_line: also escape tab, newline, carriage return, U+2028 and U+2029.

    Returns:
        The same text where each lone surrogate, control character (but tab, newline,
        carriage return) and bidirectional control is replaced by `\\xNN` or `\\uNNNN`;
        it always encodes to UTF-8.
    """
    return (_INVISIBLE_OR_BREAK if one_line else _INVISIBLE).sub(_escape_char, text)


def escape_html(value: object) -> str:
    """`value` as text safe in an HTML element or a quoted attribute value.

    Parameters:
        value: the text (anything else is converted with `str` first).

    Returns:
        `visible(str(value))` with `& < > " '` as character references.
    """
    return html.escape(visible(str(value)), quote=True)


def script_json(value: object) -> str:
    """`value` as JSON that can stand inside a `<script>` block as a JavaScript literal.

    Parameters:
        value: JSON-serialisable data (dicts with string keys, lists, strings, numbers).

    Returns:
        ASCII-only JSON (so lone surrogates are `\\udXXX` escapes) in which `<`, `>`,
        `&`, U+2028 and U+2029 are `\\u` escapes. Non-finite floats are written as
        `NaN` / `Infinity`, which JavaScript reads as numbers.

    Raises:
        TypeError: a value JSON cannot represent.
    """
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    # ensure_ascii already escapes U+2028/U+2029; the table keeps the rule explicit.
    return _SCRIPT_UNSAFE_RE.sub(lambda m: _SCRIPT_UNSAFE[m.group()], text)


def escape_url(url: str) -> str:
    """An http(s) URL escaped for an `href` or `src` attribute.

    Parameters:
        url: an absolute http or https URL.

    Returns:
        The URL with `& < > " '` as character references.

    Raises:
        ValueError: another scheme (`javascript:`, `data:`, none), which a browser would
            run or load as a page of its own.
    """
    if urlsplit(url.strip()).scheme.lower() not in _URL_SCHEMES or url != url.strip():
        raise ValueError(f"not an http(s) URL: {url!r}")
    return escape_html(url)
