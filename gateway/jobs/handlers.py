"""The registry of task handlers: what runs a task of each kind.

Handlers register with :func:`task` in their area's ``tasks`` module. A process that runs
tasks calls :func:`load` first, which imports ``gateway.tasks`` (every area's handlers)
and any extra modules named in ``QINGWANG_TASK_MODULES`` (deployment plug-ins, test
handlers) by name, the way rq finds job functions by dotted path.
"""
from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.runtime import Runtime

DEFAULT_MODULES = ("gateway.tasks",)


@dataclass(frozen=True)
class Handler:
    func: Callable[["Runtime", dict], None]
    #: Called once when the task has used up its attempts, to leave its subject in a clear
    #: final state (a document marked failed, a delivery marked undeliverable).
    on_dead: Callable[["Runtime", dict, str], None] | None = None


HANDLERS: dict[str, Handler] = {}
_loaded: set[str] = set()
_lock = threading.Lock()


def task(kind: str, on_dead=None):
    """Register the decorated function as the handler of tasks of ``kind``."""

    def register(func):
        HANDLERS[str(kind)] = Handler(func, on_dead)
        return func

    return register


def load(extra_modules: Iterable[str] = ()) -> None:
    """Import the modules that register handlers (once each)."""
    with _lock:
        for name in (*DEFAULT_MODULES, *extra_modules):
            if name and name not in _loaded:
                importlib.import_module(name)
                _loaded.add(name)
