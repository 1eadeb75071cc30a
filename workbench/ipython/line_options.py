"""Where a line magic's options end and its code begins, from the magic's own parser.

`%architect_profile -l transform -q run(records)`: the options come first, the code
after them, kept verbatim. Only the parser's flags are options, so code that starts
with a minus (`-1 * f()`, `-(x)`, `- x`) stays code. A word in the options' place that
looks like an option (`-x`, `--word`) but is none of the parser's is refused rather
than run as code; code that starts with one goes after `--`, which ends the options
(`%architect_profile -q -- -x + 1`).
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

from IPython.core.error import UsageError

__all__ = ["LineOptions", "Split", "option_pattern"]

# A word in the options' place shaped like an option: `-x...` or `--name`. `-1`, `-(x)`,
# `- x` and `-.5` are code.
_OPTION_LIKE = re.compile(r"--?[A-Za-z][\w-]*")
# `--` alone ends the options: what follows is code, even if it starts with `-`.
_END_OF_OPTIONS = re.compile(r"\s*--(?=\s|$)")


def option_pattern(parser: argparse.ArgumentParser) -> re.Pattern[str]:
    """A regex for one leading option of a line magic, from the magic's own parser.

    A flag that takes a value is followed by it (`-t5`, `-t 5`, `--top 5`, `--top=5`, a
    quoted value kept whole); a switch stands alone. A statement that starts like an
    option (`-1 * f()`) is no option: the pattern knows only the parser's flags.
    """
    short, long, switches = [], [], []
    for action in parser._actions:
        for flag in action.option_strings:
            if action.nargs == 0:
                switches.append(re.escape(flag))
            elif flag.startswith("--"):
                long.append(re.escape(flag[2:]))
            else:
                short.append(re.escape(flag[1]))
    valued = rf"-[{''.join(short)}]\s*|--(?:{'|'.join(long)})(?:\s+|=)"
    value = r"""(?P<value>"[^"]*"|'[^']*'|\S+)"""
    return re.compile(rf"\s*(?P<flag>{valued}){value}|\s*(?P<switch>{'|'.join(switches)})(?=\s|$)")


@dataclass(frozen=True)
class Split:
    """A line magic's text, split.

    Attributes:
        options: the leading options, each as typed (`-t5`, `-l score`, `-q`).
        code: the text after them (and after `--`), stripped.
        ended: whether `--` ended the options.
    """

    options: tuple[str, ...]
    code: str
    ended: bool

    @property
    def asks_help(self) -> bool:
        """Whether `-h` or `--help` is among the options."""
        return any(option in ("-h", "--help") for option in self.options)

    @property
    def option_text(self) -> str:
        """The options as one string, `--` included when it ended them."""
        return " ".join([*self.options, "--"] if self.ended else self.options)


class LineOptions:
    """The option syntax of one magic, read from its parser.

    Parameters:
        parser: the magic's `magic_arguments` parser.
        magic: the magic's name, for messages.
    """

    def __init__(self, parser: argparse.ArgumentParser, magic: str) -> None:
        self.help = parser.format_help().removeprefix("::").strip()
        """The magic's help: usage, description and options (its docstring)."""
        self._pattern = option_pattern(parser)
        self._magic = magic
        self._flags = [a.option_strings for a in parser._actions if a.option_strings]
        self._valued = {f for a in parser._actions if a.nargs != 0 for f in a.option_strings}

    def split(self, line: str) -> Split:
        """Split `line` into its leading options and the code after them."""
        options, position = [], 0
        while match := self._pattern.match(line, position):
            options.append(match.group(0).strip())
            position = match.end()
        end = _END_OF_OPTIONS.match(line, position)
        if end is not None:
            position = end.end()
        return Split(tuple(options), line[position:].strip(), end is not None)

    def refuse_unknown(self, split: Split) -> None:
        """Refuse code that starts like an option (unless `--` ended the options).

        Raises:
            UsageError: naming the word, listing the options, and saying how to run code
                that starts with `-`.
        """
        match = None if split.ended else _OPTION_LIKE.match(split.code)
        if match is None:
            return
        word = match.group(0)
        if word in self._valued:  # a flag the parser knows, with no value after it
            raise UsageError(
                f"%{self._magic}: {word} needs a value before the code, e.g. "
                f"%{self._magic} {word} VALUE code (see %{self._magic}?)"
            )
        raise UsageError(
            f"%{self._magic} has no option {word}; its options are "
            + ", ".join("/".join(flags) for flags in self._flags)
            + f" (details: %{self._magic}?). Options come before the code; code that "
            f"starts with '-' goes after '--', e.g. %{self._magic} -q -- -x + 1"
        )
