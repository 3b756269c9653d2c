"""The exit race of driver.py made deterministic (driven by python-peer-wire.test.ts).

Two things that CPU load does by chance are done on purpose: the soma-sdk runtime thread
that hands a result back to asyncio stays in Python a while after waking the loop (as a
descheduled thread does), and interpreter teardown takes long (an object whose __del__
sleeps, freed when __main__ is torn down). A driver that ends by returning normally aborts
here every time: that thread re-enters Python while the interpreter finalizes. run_driver
must end cleanly with the whole result written.

Config on stdin: {"rpc": url, "lingerSeconds": float, "teardownSeconds": float}. With the
argument `return` it ends the way the drivers used to (asyncio.run, print, return): the
control that shows the race is really provoked.
"""

import asyncio.selector_events
import json
import sys
import threading
import time
import types

from driver import run_driver
from soma_sdk import SomaClient

timing = {"lingerSeconds": 0.0, "teardownSeconds": 0.0}
wake_loop = asyncio.selector_events.BaseSelectorEventLoop._write_to_self


def wake_loop_then_linger(loop):
    wake_loop(loop)
    if threading.current_thread() is not threading.main_thread():
        time.sleep(timing["lingerSeconds"])


asyncio.selector_events.BaseSelectorEventLoop._write_to_self = wake_loop_then_linger


class SlowTeardown:
    # Default arguments: module globals may already be None when this runs.
    def __del__(self, sleep=time.sleep, timing=timing):
        sleep(timing["teardownSeconds"])


# Held by a module of its own, which nothing but sys.modules references: it is freed when
# finalization removes the modules. (A __main__ global would stay alive: the lingering
# thread's frame holds __main__'s globals.)
sys.modules["slow_teardown"] = types.ModuleType("slow_teardown")
sys.modules["slow_teardown"].instance = SlowTeardown()


async def main(cfg):
    timing.update(lingerSeconds=cfg["lingerSeconds"], teardownSeconds=cfg["teardownSeconds"])
    client = await SomaClient(cfg["rpc"])
    return {"chain": await client.get_chain_identifier()}


if sys.argv[1:] == ["return"]:
    print(json.dumps(asyncio.run(main(json.load(sys.stdin)))))
else:
    run_driver(main)
