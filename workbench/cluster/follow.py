"""The client's side of following a run into a Dask cluster: a collector.

`ClusterCollector.start` asks every worker to profile the tasks it runs from now on
(`worker_side.install`) and opens the scheduler's task stream; `stop` takes every
worker's profile back (`worker_side.collect`, which also restores the worker) and reads
the tasks that ran. The session starts it before its other lenses and stops it after
them, so these round trips are not in the client's profile.
"""

from __future__ import annotations

import logging
import os
import sys
import uuid
from typing import Any

from workbench.cluster.mode import dask_mode
from workbench.cluster.payload import WorkerPayload
from workbench.cluster.stream import close_stream, open_stream
from workbench.cluster.worker_side import collect, install
from workbench.errors import OptionError, quoted

__all__ = ["ClusterCollector", "find_client", "is_client"]

log = logging.getLogger(__name__)
INSTALL_HINT = "pip install 'architect-workbench[dask]' (or: pip install 'dask[distributed]')"


def is_client(value: object) -> bool:
    """Whether `value` is a `distributed.Client` (without importing distributed)."""
    distributed = sys.modules.get("distributed")
    return distributed is not None and isinstance(value, distributed.Client)


def find_client(dask: object) -> Any | None:
    """The client a run follows: the one given, or with "auto" the current default
    client if distributed is in use in this process (it is never imported for it).

    Raises:
        OptionError: `dask` is none of "auto", "off", False, None or a Client.
    """
    mode = dask_mode(dask)
    if mode == "off":
        return None
    if mode == "auto":
        distributed = sys.modules.get("distributed")
        if distributed is None:
            return None
        try:
            return distributed.default_client()
        except ValueError:  # no client was created, or it was closed
            return None
    if is_client(dask):
        return dask
    raise OptionError(
        f"dask={quoted(dask)}: use 'auto' (the default client, if any), 'off', or a "
        f"distributed.Client; profiling on a cluster needs {INSTALL_HINT}"
    )


class ClusterCollector:
    """Profiles the tasks the run sends to a Dask cluster, in the workers.

    Parameters:
        client: a synchronous `distributed.Client`.
        interval: seconds between two stack samples in the workers.

    Attributes:
        payloads: what each followed worker sent back, by address.
        records: the scheduler's task-stream records of the run's tasks.
        workers: every worker followed at the start, address -> pid.
        notes: what could not be followed, for the summary.
    """

    lens = "dask workers"

    def __init__(self, client: Any, interval: float = 0.001) -> None:
        self.client = client
        self.interval = interval
        self.token = uuid.uuid4().hex
        self.workers: dict[str, int] = {}
        self.payloads: dict[str, WorkerPayload] = {}
        self.records: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self._stream: tuple[bool, int] | None = None

    def start(self) -> None:
        """Install the task profiler in every worker and open the task stream."""
        if getattr(self.client, "asynchronous", False):
            self.notes.append(
                "the Dask client is asynchronous: its workers were not followed (use a "
                "synchronous Client, the default)"
            )
            return
        try:
            answers = self.client.run(
                install, token=self.token, interval=self.interval, on_error="return"
            )
        except Exception as error:  # the cluster is gone or unreachable: run without it
            log.warning("the Dask workers cannot be followed", exc_info=True)
            self.notes.append(f"the Dask workers were not followed: {error!r}")
            return
        for address, answer in sorted(answers.items()):
            if isinstance(answer, BaseException):
                self.notes.append(f"worker {address} not followed: {answer!r}")
            elif not answer["installed"]:
                self.notes.append(f"worker {address} not followed: {answer['note']}")
            elif answer["pid"] == os.getpid():
                # Its tasks run in this process's threads, beside our own cProfile.
                self.client.run(collect, token=self.token, workers=[address])
                self.notes.append(
                    f"worker {address} runs in this process (LocalCluster(processes=False)): "
                    "its tasks were not profiled; use processes=True"
                )
            else:
                self.workers[address] = int(answer["pid"])
        if self.workers:
            try:
                self._stream = self.client.run_on_scheduler(open_stream)
            except Exception as error:
                self.notes.append(f"the scheduler's task stream could not be read: {error!r}")

    def stop(self) -> None:
        """Take every worker's profile back (restoring it) and read the task stream.

        A worker that left during the run makes the report incomplete, with a note;
        the others' profiles are kept.
        """
        if not self.workers:
            return
        try:
            answers = self.client.run(collect, token=self.token, on_error="return")
        except Exception as error:  # the cluster went away: every profile is lost
            log.warning("the Dask workers' profiles cannot be collected", exc_info=True)
            self.notes.append(f"no worker sent its profile back: {error!r}")
            answers = {}
        for address, answer in answers.items():
            if isinstance(answer, WorkerPayload):
                self.payloads[address] = answer
            elif isinstance(answer, BaseException) and address in self.workers:
                self.notes.append(f"worker {address} sent no profile: {answer!r}")
        if self._stream is not None:
            existed, index = self._stream
            try:
                self.records = self.client.run_on_scheduler(
                    close_stream, index=index, existed=existed
                )
            except Exception as error:
                self.notes.append(f"the scheduler's task stream could not be read: {error!r}")
        for address in sorted(set(self.workers) - set(self.payloads)):
            ran = sum(1 for r in self.records if r.get("worker") == address)
            self.notes.append(
                f"worker {address} left during the run: its profile is lost (the task "
                f"stream has {ran} of its tasks); the function and line tables miss them"
            )
        for payload in self.payloads.values():
            if payload.running:
                self.notes.append(
                    f"worker {payload.address}: {payload.running} task(s) still running at the "
                    "end are not in its profile"
                )
            if payload.unprofiled:
                self.notes.append(
                    f"worker {payload.address}: {len(payload.unprofiled)} task(s) ran "
                    f"unprofiled ({payload.unprofiled[0]})"
                )
