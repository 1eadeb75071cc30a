"""Names for code that cloudpickle shipped by value (Dask tasks defined in a notebook).

cloudpickle re-creates such code with the file name "<dynamic-code>" (to keep its
payload the same wherever the function was defined), so every shipped function would
share one file and two cells' `f` at line 1 would be one function. Each one is named
here by a fingerprint of its code instead, which the client can match with the
function it sent (`workbench.cluster.resolve`).
"""

from __future__ import annotations

import cProfile
import hashlib
from types import CodeType

__all__ = ["DYNAMIC", "code_file", "fingerprint", "label"]

DYNAMIC = "<dynamic-code>"


def fingerprint(code: CodeType) -> str:
    """A short digest of what makes `code` itself: name, first line, bytecode, line
    table. The same on the client and in a worker (cloudpickle keeps all four)."""
    digest = hashlib.blake2b(digest_size=6)
    for part in (code.co_qualname.encode(), str(code.co_firstlineno).encode()):
        digest.update(part + b"\0")
    digest.update(code.co_code)
    digest.update(code.co_linetable)
    return digest.hexdigest()


def code_file(code: CodeType) -> str:
    """`code`'s file name, or for shipped code "<dynamic-code:FINGERPRINT>"."""
    if code.co_filename != DYNAMIC:
        return code.co_filename
    return f"<dynamic-code:{fingerprint(code)}>"


def label(code: CodeType | str) -> tuple[str, int, str]:
    """cProfile's pstats name of an entry, with shipped code told apart."""
    if isinstance(code, str) or code.co_filename != DYNAMIC:
        return cProfile.label(code)
    return (code_file(code), code.co_firstlineno, code.co_name)
