"""The plain Python API: `profile` a call, or profile a block with `profiling`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from workbench.options import FunctionMode, MemoryMode, ProfileOptions
from workbench.report import Report
from workbench.session import ProfileSession

__all__ = ["profile", "profile_async", "profiling", "stop_servers"]


def _label(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__qualname__', None) or getattr(fn, '__name__', repr(fn))}(...)"


def profile(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Report:
    """Run `fn(*args, **kwargs)` exactly once with the default lenses.

    The default lenses are functions (cProfile), "auto" line detail for the hottest user
    functions, and the RSS memory timeline. Use `profiling(...)` for other options.

    Returns:
        The Report; `report.result` is what `fn` returned.

    Raises:
        Whatever `fn` raises, unchanged (the partial report is then lost: use
        `profiling()` as a context manager to keep it).
        ProfilerBusyError: another profiler is already running in this thread.
    """
    __tracebackhide__ = True  # tracebacks show the user's frames, not ours
    return ProfileSession(ProfileOptions(), label=_label(fn)).run(fn, *args, **kwargs)


async def profile_async(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Report:
    """Await `fn(*args, **kwargs)` exactly once with the default lenses, on the running loop.

    Besides `profile`'s tables, the report splits the time into CPU and waiting (the event
    loop idle in its selector) and has `report.tasks`: every task the call started, with
    its resumptions, CPU time and waiting time. Functions and lines are charged to the
    coroutines, not to the event loop.

    Example::

        report = await workbench.profile_async(fetch_all, client, urls)

    Returns:
        The Report; `report.result` is what the awaited call returned.

    Raises:
        Whatever the awaited call raises, unchanged (use `async with profiling()` to keep
        the partial report).
        OptionError: `fn` did not return an awaitable.
        ProfilerBusyError: another profiler is already running in this thread.
    """
    __tracebackhide__ = True  # tracebacks show the user's frames, not ours
    session = ProfileSession(ProfileOptions(), label=_label(fn))
    return await session.run_async(fn, *args, **kwargs)


def profiling(
    *,
    lines: str | Callable[..., Any] | Sequence[Callable[..., Any]] | None = "auto",
    memory: MemoryMode = "rss",
    functions: FunctionMode = "exact",
    top: int = 20,
    label: str = "profiled block",
    user_code: Sequence[object] = (),
    dask: object = "auto",
    **advanced: Any,
) -> ProfileSession:
    """A context manager that profiles the block it wraps; `.report` is set on exit.

    Example::

        with workbench.profiling(lines=[transform], memory="tracemalloc") as run:
            out = pipeline(records)
        run.report.lines

        async with workbench.profiling() as run:   # inside a coroutine
            pages = await fetch_all(client, urls)
        run.report.tasks

    Parameters:
        lines: "auto" (hottest user functions of this run, sampled), None / "off", or
            functions to trace exactly with line_profiler.
        memory: "rss", "tracemalloc", "lines" (memory per line of the `lines`
            functions) or "off".
        functions: "exact" (cProfile: exact call counts, times corrected for its cost;
            the default) or "sampled" (stacks sampled on a CPU-time timer: about 1.1x
            the unprofiled run instead of 2-5x, no call counts).
        top: rows shown per rendered table (the DataFrames keep all rows).
        label: a title for the report.
        user_code: folders, files, module names or modules whose code counts as yours
            (line detail, hints, the hottest function) beyond the default rule (every
            file outside the standard library, site-packages and the workbench); prefix
            a string with "!" to remove one, e.g. ["../src", "!../src/shop/vendored"].
        dask: "auto" (the default): when a `distributed.Client` is the default client
            as the run starts, the tasks it runs during the run are profiled in its
            workers and merged into the report; a Client to follow that one; "off" or
            False not to follow any.
        advanced: `auto_functions`, `sample_interval`, `rss_interval`, `hints` (see
            ProfileOptions).

    Returns:
        A single-use session; `session.run(fn, *args)` profiles one call instead of a block.

    Raises:
        OptionError: a bad option or a combination of lenses that cannot share a run.
    """
    options = ProfileOptions(
        lines=lines,  # type: ignore[arg-type]
        memory=memory,
        functions=functions,
        top=top,
        user_code=user_code,
        dask=dask,
        **advanced,
    )
    return ProfileSession(options, label=label)


def stop_servers() -> int:
    """Stop what the workbench keeps running for this process: the snakeviz server
    (`report.snakeviz()`) and the RSS sampler's child, which serves every profile's
    memory lens (both also stop at exit). Returns how many were running.
    """
    from workbench.collectors.rss import stop_rss_child
    from workbench.snakeviz import stop_servers as stop_snakeviz

    return stop_snakeviz() + stop_rss_child()
