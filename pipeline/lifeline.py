"""Make a worker process die with its parent, so no document runs on without its time limit."""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import threading

log = logging.getLogger("govnotice")
PR_SET_PDEATHSIG = 1          # from <linux/prctl.h>
WATCH_INTERVAL = 1.0          # seconds between the watchdog's looks at the parent


def die_with_parent(parent_pid: int) -> None:
    """Ask the kernel for SIGKILL when the parent dies (Linux), and watch the parent's pid as well."""
    _set_pdeathsig()
    # The parent may have died between fork and prctl: then we are already orphaned.
    if os.getppid() != parent_pid:
        os._exit(1)
    # Where prctl is missing (macOS) or the parent is not the forking thread's process, a thread polls.
    threading.Thread(target=_watch, args=(parent_pid,), name="govnotice-lifeline", daemon=True).start()


def _set_pdeathsig() -> None:
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            log.debug("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    except (OSError, AttributeError) as exc:   # not Linux: the watchdog alone
        log.debug("prctl not available: %s", exc)


def _watch(parent_pid: int) -> None:
    stop = threading.Event()
    while not stop.wait(WATCH_INTERVAL):
        if os.getppid() != parent_pid:
            os.kill(os.getpid(), signal.SIGKILL)
