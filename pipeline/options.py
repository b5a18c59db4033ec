"""How a run behaves: the runner's options, the export formats and the stop flag.

Kept free of heavy imports (no reader, no store), as is pipeline.limits, so that
the command line can build its parsers from these defaults and `govnotice
--help` starts fast (issue 12); `pipeline.run` exports the same names.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Optional

from pipeline.limits import Limits

# The export formats besides notices.db, in the order they are written (pipeline.exporters.EXPORTERS
# has one exporter for each; a test checks that the two agree).
EXPORT_FORMATS: tuple[str, ...] = ("jsonl", "csv", "xlsx")

# set by the CLI's signal handler: the runner checks it before it commits a batch
CANCEL = threading.Event()


@dataclass(slots=True)
class Options:
    """How a run behaves (the CLI's options)."""
    limits: Limits = field(default_factory=Limits)
    timeout: float = 60.0
    # OCR (onnxruntime + OpenCV) maps about 1 GB of address space before it reads a page
    max_memory_mb: int = 2048
    jobs: int = 2
    strict: bool = False
    # exports besides notices.db; jsonl is always written, formats already in the store are kept up to date
    formats: tuple[str, ...] = ("jsonl", "csv")
    manifest: dict[str, dict[str, str]] = field(default_factory=dict)
    rebuild: bool = False    # read every input again, even those the store holds
    progress: bool = False   # a progress bar on stderr
    engine: str = "local"               # "local" (worker pool) or "dask"
    scheduler: Optional[str] = None     # dask: tcp://HOST:PORT of a running scheduler; None starts a local cluster
