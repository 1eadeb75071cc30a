"""Short quotes of values for messages: an error never carries a megabyte of repr.

A 50,000-item list passed by mistake, a partial holding a DataFrame, a check that
returned an array: messages quote the start of such a value and say it goes on.
"""

from __future__ import annotations

import reprlib

__all__ = ["MAX_QUOTE", "quote", "shorten"]

MAX_QUOTE = 120  # characters of a quoted value in a message

_REPR = reprlib.Repr()
_REPR.maxstring = MAX_QUOTE
_REPR.maxother = MAX_QUOTE
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 8


def shorten(text: str, limit: int = MAX_QUOTE) -> str:
    """`text`, cut to `limit` characters with "…" when longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(value: object, limit: int = MAX_QUOTE) -> str:
    """A repr of `value` of at most `limit` characters.

    Containers show their first items only (reprlib), and whatever repr an object makes
    of itself is cut to `limit`.
    """
    try:
        text = _REPR.repr(value)
    except Exception:  # a broken __repr__ must not hide the message it is quoted in
        text = f"<{type(value).__name__} object>"
    return shorten(text, limit)
