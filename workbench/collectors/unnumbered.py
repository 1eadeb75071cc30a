"""The line a sample belongs to when the interrupted instruction has no line number.

Python 3.11 gives a loop's closing jump (JUMP_BACKWARD) no line of its own when several
paths of the body reach it: `frame.f_lineno` is None there. That jump is where the
interpreter checks for signals, so a CPU sampler lands on it often, and charging those
samples to the function's `def` line put a loop's hot line (`if x in a_list:`) on the
`def`. Python 3.12+ copies the jump into each path with that path's line.

Which path ran is not recorded, so we take the path most likely to have received the
signal: a signal is handled at the next check, and a path that calls something was checked
at the call (3.11 checks after CALL), so the samples at the jump are the time since the
last check on a path without one. Among several such paths, the longest wins.
"""

from __future__ import annotations

import dis
import functools
from types import CodeType

__all__ = ["at_resume", "line_at", "resume_offsets"]

# Instructions after which 3.11+ checks for pending signals (besides the jump itself).
_CHECKS = frozenset({"CALL", "CALL_FUNCTION_EX", "RESUME", "JUMP_BACKWARD"})
# Instructions control never falls through.
_ENDS = frozenset(
    {
        "JUMP_FORWARD",
        "JUMP_BACKWARD",
        "JUMP_BACKWARD_NO_INTERRUPT",
        "JUMP",
        "JUMP_NO_INTERRUPT",
        "RETURN_VALUE",
        "RETURN_CONST",
        "RAISE_VARARGS",
        "RERAISE",
    }
)
_JUMPS = frozenset(dis.hasjrel) | frozenset(dis.hasjabs)
_RESUME = dis.opmap["RESUME"]


@functools.lru_cache(maxsize=4096)
def resume_offsets(code: CodeType) -> frozenset[int]:
    """The offsets of `code`'s RESUME instructions."""
    co_code = code.co_code
    return frozenset(i for i in range(0, len(co_code), 2) if co_code[i] == _RESUME)


def at_resume(code: CodeType, offset: int) -> bool:
    """Whether the instruction at `offset` is a RESUME: a function's (or a generator's)
    start, where a signal is handled and a thread hands the GIL on. A sample there is
    the time of the caller's line (and of cProfile's call hook), not of the `def` line
    the frame stands on.
    """
    return offset in resume_offsets(code)


@functools.lru_cache(maxsize=4096)
def line_at(code: CodeType, offset: int) -> int:
    """The source line of the instruction at `offset` in `code`.

    Parameters:
        code: the code object of the sampled frame.
        offset: the frame's `f_lasti`.

    Returns:
        The instruction's own line; for an instruction without one, the line of the
        likeliest path into it (see the module docstring); the code's first line when
        no path has a line.
    """
    instructions = list(dis.get_instructions(code))
    index = {ins.offset: i for i, ins in enumerate(instructions)}
    at = index.get(offset)
    if at is None:
        return code.co_firstlineno
    own = _line(instructions[at])
    if own is not None:
        return own
    best: tuple[int, int] | None = None  # (rank, line) of the likeliest path so far
    for pred in _predecessors(instructions, at):
        length, checked = _run(instructions, pred)
        line = _line_before(instructions, pred)
        if line is None:
            continue
        # Paths with no check since their start outrank those checked at a call.
        rank = (0 if checked else 1 << 20) + length
        if best is None or rank > best[0]:
            best = (rank, line)
    return best[1] if best is not None else code.co_firstlineno


def _line(ins: dis.Instruction) -> int | None:
    return ins.positions.lineno if ins.positions is not None else None


def _predecessors(instructions: list[dis.Instruction], at: int) -> list[int]:
    """Indexes of the instructions control can come from into `instructions[at]`."""
    target = instructions[at].offset
    found = [
        i for i, ins in enumerate(instructions) if ins.opcode in _JUMPS and ins.argval == target
    ]
    if at > 0 and instructions[at - 1].opname not in _ENDS:
        found.append(at - 1)
    return found


def _run(instructions: list[dis.Instruction], end: int) -> tuple[int, bool]:
    """The straight-line run ending at `end`: its length, and whether it holds a check."""
    length = 0
    i = end
    while i >= 0:
        ins = instructions[i]
        if ins.opname in _CHECKS:
            return length, True
        length += 1
        if ins.is_jump_target or (i < end and ins.opcode in _JUMPS):
            break
        i -= 1
    return length, False


def _line_before(instructions: list[dis.Instruction], i: int) -> int | None:
    """The line of `instructions[i]`, or of the nearest numbered instruction before it."""
    while i >= 0:
        line = _line(instructions[i])
        if line is not None:
            return line
        i -= 1
    return None
