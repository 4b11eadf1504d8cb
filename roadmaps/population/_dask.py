"""The population function on a Dask cluster: the optional ``pathways[dask]`` extra.

For analysts who outgrow one machine (sweeping every area of England), the
same per-person function that :func:`roadmaps.population._input.map_population`
runs on local processes can run on a Dask cluster. The input is still
streamed: young people are sent in chunks, with a bounded number of chunks in
flight, and the results come back in input order, so the totals are exactly
those of a local run.

Dask is imported only when one of these functions is called, never when the
library is imported::

    pip install 'transition-pathways[dask]'

>>> dask_available() in (True, False)
True
"""

from __future__ import annotations

import importlib.util
from collections import deque
from collections.abc import Callable, Generator, Iterable
from typing import Any, TypeVar

from pathways import InputError

from ._input import ProgressBar, batched

T = TypeVar("T")
R = TypeVar("R")

INSTALL_HINT = "install the Dask extra: pip install 'transition-pathways[dask]'"


def dask_available() -> bool:
    """True when ``dask.distributed`` can be imported."""
    return (
        importlib.util.find_spec("dask") is not None
        and importlib.util.find_spec("distributed") is not None
    )


def _distributed() -> Any:
    if not dask_available():
        raise InputError(f"Dask is not installed; {INSTALL_HINT}", id="--dask")
    import distributed

    return distributed


def connect(scheduler: str = "local", *, workers: int | None = None) -> Any:
    """A ``distributed.Client``: a new local cluster, or the scheduler at an address.

    Args:
        scheduler: ``"local"`` starts a cluster of worker processes on this
            machine; anything else is a scheduler address such as
            ``tcp://10.0.0.5:8786``.
        workers: processes of a local cluster (default: Dask's choice).

    Raises:
        InputError: Dask is not installed, or the scheduler cannot be reached.
    """
    distributed = _distributed()
    if scheduler == "local":
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        return distributed.Client(cluster)
    try:
        return distributed.Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise InputError(
            f"cannot reach the Dask scheduler ({type(exc).__name__})", id="--dask"
        ) from None


def _apply_chunk(per_person: Callable[[Any], Any], chunk: list[Any]) -> list[Any]:
    return [per_person(item) for item in chunk]


def map_population_dask(
    items: Iterable[T],
    per_person: Callable[[T], R],
    *,
    client: Any,
    chunk_size: int = 1_000,
    max_in_flight: int | None = None,
    progress: bool | None = None,
) -> Generator[R, None, None]:
    """Apply ``per_person`` to every item on a Dask cluster, in order, streaming.

    The Dask counterpart of :func:`roadmaps.population._input.map_population`:
    the same arguments and the same results in the same order.

    Args:
        items: the young people (or any picklable items), read lazily.
        per_person: a picklable function (module-level, or a partial of one).
        client: a ``distributed.Client`` (see :func:`connect`).
        chunk_size: items per task.
        max_in_flight: tasks submitted and not yet collected; by default twice
            the cluster's threads, so memory stays flat.
        progress: a progress bar on stderr; None shows it only on a terminal.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1 (got {chunk_size})")
    if max_in_flight is None:
        threads = sum(client.nthreads().values()) or 1
        max_in_flight = 2 * threads
    bar = ProgressBar(None, show=progress)
    pending: deque[Any] = deque()
    try:
        for chunk in batched(items, chunk_size):
            pending.append(client.submit(_apply_chunk, per_person, chunk, pure=False))
            if len(pending) >= max_in_flight:
                results = pending.popleft().result()
                bar.update(len(results))
                yield from results
        while pending:
            results = pending.popleft().result()
            bar.update(len(results))
            yield from results
    finally:
        for future in pending:
            future.cancel()
        bar.close()
