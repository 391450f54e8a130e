"""Keeping the garbage collector's full collections short in a long-running server.

A full (generation 2) collection walks every container object the process holds, with the GIL
held. After start-up that is some 160,000 objects (the framework, the ORM's mappers, the
workflow machines, compiled statements) which live as long as the process: walking them took
60 ms on the benchmark machine, and since the walk can start in any thread, a diff or a save in
a worker thread could stall the event loop, and every request on it, for that long
(``python -m bench diffs``, docs/performance.md). ``gc.freeze()`` moves what is alive at that
moment into a permanent generation the collector no longer walks; what the server allocates
afterwards is collected as before.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect what start-up left behind, then freeze the rest; returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
