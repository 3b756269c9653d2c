"""How every driver of the reference client (soma-sdk) starts and ends.

soma-sdk runs its async calls on a tokio runtime that is never shut down; its threads
enter Python to hand each result back to asyncio (call_soon_threadsafe, which drops and
re-takes the GIL around the self-pipe write). When the driver returns normally, the
interpreter finalizes while such a thread may still be inside Python, and CPython before
3.14 ends that thread with pthread_exit. The forced unwind reaches a Rust frame that
cannot unwind and the process aborts ("panic in a function that cannot unwind" in a
tokio worker). Under CPU load the thread is descheduled long enough to lose that race.

So a driver awaits every call it makes, writes its result, flushes, and leaves with
os._exit: the interpreter never finalizes, and no runtime thread ever sees it do so.
"""

import asyncio
import json
import os
import sys
import traceback


def run_driver(main):
    """Reads the JSON config from stdin, runs main(config) (a plain or async function),
    writes its JSON result to stdout and ends the process. Exit status 0 only when the
    whole result was written; a failure prints its traceback and exits 1."""
    status = 1
    try:
        config = json.load(sys.stdin)
        result = main(config)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        json.dump(result, sys.stdout)
        sys.stdout.flush()
        status = 0
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(status)
