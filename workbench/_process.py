"""Helper processes the workbench starts that exit when their standard input closes.

The snakeviz server and the demo API read their stdin until EOF, so closing it stops
them, and a parent that dies closes it too. `stop_child` is the one way to stop them.
"""

from __future__ import annotations

import contextlib
import subprocess

__all__ = ["stop_child"]


def stop_child(process: subprocess.Popen[str], timeout: float) -> None:
    """Close the child's stdin, wait for it to exit (kill it after `timeout` seconds),
    and close its stdout."""
    if process.stdin is not None and not process.stdin.closed:
        with contextlib.suppress(OSError):  # the child is gone already
            process.stdin.close()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()
