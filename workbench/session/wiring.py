"""Which collectors a plan asks for: the wiring of one session's lenses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from workbench.cluster.follow import ClusterCollector, find_client
from workbench.collectors.allocations import AllocationCollector
from workbench.collectors.arguments import ArgumentTally
from workbench.collectors.calibration import probe
from workbench.collectors.functions import FunctionCollector
from workbench.collectors.lenses import Lenses
from workbench.collectors.lines import LineCollector
from workbench.collectors.rss import RssSampler
from workbench.collectors.sampler import LineSampler
from workbench.collectors.spawned import SpawnWatch
from workbench.collectors.tasks import TaskCollector
from workbench.errors import OptionError
from workbench.options import ProfileOptions
from workbench.source import SourceIndex

if TYPE_CHECKING:
    from workbench.collectors.memory_lines import MemoryLineCollector

__all__ = ["wire"]


def _memory_lines(named: Sequence[Callable[..., Any]]) -> MemoryLineCollector:
    """The memory-per-line lens; memory_profiler is imported only when it is asked for.

    Raises:
        OptionError: memory_profiler cannot be imported (with how to install it).
    """
    try:
        from workbench.collectors.memory_lines import MemoryLineCollector
    except ImportError as error:
        raise OptionError(
            f"memory per line (-m lines) needs memory_profiler, which cannot be imported "
            f"({error}): pip install memory-profiler, or use -m tracemalloc"
        ) from None
    return MemoryLineCollector(named)


def wire(options: ProfileOptions, label: str) -> Lenses:
    """The collectors that `options.plan` asks for, connected to each other.

    Parameters:
        options: the run's options (the functions to trace come from them).
        label: what is profiled (the tasks lens names the profiled code's task so).

    Raises:
        OptionError: a named function cannot be traced, or a lens's package is missing.
    """
    plan = options.plan
    index = SourceIndex(rule=options.user_rule)
    functions = FunctionCollector(index.is_user_code, index.is_cell)
    tasks = TaskCollector(functions.pause, functions.resume)
    tasks.host_label = label
    heap = AllocationCollector() if plan.memory == "tracemalloc" else None
    named = options.named_functions
    # One CPU-time timer serves the sampled lines, the heap lens's snapshots and the
    # hints' evidence (arguments of sampled calls, samples per line).
    sampler = (
        LineSampler(
            index.is_user_code,
            options.sample_interval,
            shows_lines=plan.lines == "sampled",
            count_lines=plan.lines == "sampled" or plan.evidence,
            on_tick=heap.check if heap else None,
            counts_now=tasks.running_profiled_code,
            arguments=ArgumentTally() if plan.evidence else None,
            # The probe times cProfile's cost inside the run: no cProfile, no probe.
            probe=probe if plan.functions == "exact" else None,
        )
        if plan.sampler
        else None
    )
    return Lenses(
        plan=plan,
        index=index,
        functions=functions,
        rss=RssSampler(options.rss_interval) if plan.rss else None,
        # Before a thread starts, the function lens keeps to the profiled thread.
        spawned=SpawnWatch(before_thread=functions.one_thread),
        heap=heap,
        memory_lines=_memory_lines(named) if plan.memory == "lines" else None,
        lines=LineCollector(named) if plan.lines == "traced" else None,
        tasks=tasks,
        sampler=sampler,
        cluster=_cluster(options),
    )


def _cluster(options: ProfileOptions) -> ClusterCollector | None:
    """The collector that follows the run's Dask tasks, if there is a client to follow."""
    client = find_client(options.dask)
    return ClusterCollector(client) if client is not None else None
