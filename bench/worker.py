"""Runs one measurement in this fresh process: `python -m bench.worker module:function JSON`.

The function is async, takes the JSON object's keys as arguments and returns a dict;
it is printed on the last line after ``BENCH-RESULT``, with this process's peak RSS
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`) added as ``maxrss_mb``.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import logging
import sys
import traceback

from .common import RESULT_MARK, maxrss_mb


def main() -> None:
    target, raw = sys.argv[1], sys.argv[2]
    module_name, function_name = target.split(":")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="  %(levelname)s %(name)s: %(message)s")
    function = getattr(importlib.import_module(module_name), function_name)

    async def run() -> None:
        result = await function(**json.loads(raw))
        result["maxrss_mb"] = round(maxrss_mb(), 1)
        print(RESULT_MARK + json.dumps(result), flush=True)
        sys.stderr.flush()
        # The measurement has cleaned up after itself (or, for a sender's "first life", ends
        # like a stopped process on purpose): leave at once, without asyncio.run's wait for
        # leftover tasks and threads.
        os._exit(0)

    try:
        asyncio.run(run())
    except Exception as problem:  # short: SQLAlchemy errors can carry thousands of parameters
        frames = traceback.format_tb(problem.__traceback__)[-6:]
        print("".join(frames) + f"{type(problem).__name__}: {str(problem)[:1500]}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
