"""Word 97 (.doc) and WPS Writer (.wps) files: converted to DOCX by LibreOffice, then read as DOCX.

Each conversion runs headless with a throw-away profile in a private temp
folder (parallel conversions never share a profile or a lock), in a session
of its own so that the whole process group can be killed, with a time limit
shorter than the document's and a parent-death signal: if the worker running
it is killed, LibreOffice dies with it, so no ``soffice.bin`` is ever orphaned.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from extractors.base import Extractor, Limits
from extractors.docx import DocxExtractor
from pipeline.errors import MissingTool, Timeout, UnreadableDocument
from pipeline.model import RawDocument

log = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1
# soffice.bin exits with this after it has created a new profile, asking to be
# started again (oosplash does that when LibreOffice is started the usual way).
_RESTART_REQUESTED = 81
PACKAGES = "libreoffice-writer-nogui libreoffice-calc-nogui"


def soffice_binary() -> str:
    """The LibreOffice program to run: soffice.bin itself when found, so the death signal reaches it."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            real = Path(found).resolve()
            # The soffice script starts oosplash, which forks soffice.bin: a death
            # signal set on the script would not reach the process doing the work.
            direct = real.with_name("soffice.bin")
            return str(direct) if direct.is_file() and os.access(direct, os.X_OK) else found
    raise MissingTool(f"LibreOffice is needed to read .doc/.wps files: apt-get install {PACKAGES}")


def _die_with_parent() -> None:
    """Child-side setup (Linux): get SIGKILL when the worker that started us dies."""
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        ctypes.CDLL(libc_name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def convert_to_docx(data: bytes, suffix: str, limits: Limits) -> bytes:
    """The DOCX bytes LibreOffice makes of a .doc/.wps file; raises Timeout, UnreadableDocument or MissingTool."""
    binary = soffice_binary()
    with tempfile.TemporaryDirectory(prefix="govnotice-soffice-") as tmp:
        folder = Path(tmp)
        source = folder / f"input{suffix}"
        source.write_bytes(data)
        command = [binary, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                   "--invisible", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
                   "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(folder / "out"), str(source)]
        deadline = time.monotonic() + limits.convert_timeout
        returncode, message = _run(command, deadline, folder)
        if returncode == _RESTART_REQUESTED:
            returncode, message = _run(command, deadline, folder)
        result = folder / "out" / "input.docx"
        if not result.is_file() or result.stat().st_size == 0:
            raise UnreadableDocument(f"LibreOffice could not open it{': ' + message if message else ''}"
                                     f"{_memory_note()}")
        return result.read_bytes()


def _run(command: list[str], deadline: float, folder: Path) -> tuple[int, str]:
    """Run LibreOffice in its own process group, killed as a group at the deadline: (exit code, its error line)."""
    env = {**os.environ, "HOME": str(folder), "SAL_USE_VCLPLUGIN": "svp"}
    try:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                cwd=folder, env=env, start_new_session=True, preexec_fn=_die_with_parent)
    except OSError as exc:  # not the document's fault: the program is broken or cannot start here
        raise MissingTool(f"LibreOffice ({command[0]}) could not be started: {exc.strerror or exc}") from None
    try:
        output, _ = proc.communicate(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise Timeout("LibreOffice did not finish converting it within its time limit "
                      "(45 s, or three quarters of --timeout when shorter); killed") from None
    finally:
        _kill_group(proc.pid)
        proc.wait()
    lines = [line for line in output.decode("utf-8", "replace").splitlines() if line.strip()]
    log.debug("soffice exit %s: %s", proc.returncode, lines)
    errors = [line for line in lines if line.startswith("Error")]
    last = errors[-1] if errors else lines[-1] if lines and proc.returncode else ""
    return proc.returncode, last[:200]


def _memory_note() -> str:
    """A hint when LibreOffice ran under a memory limit (--max-memory), which can also make it fail."""
    try:
        import resource
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, ValueError, OSError):
        return ""
    if soft == resource.RLIM_INFINITY:
        return ""
    return f" (under a {soft >> 20} MB memory limit: if the file opens in Word, raise --max-memory)"


def _kill_group(pgid: int) -> None:
    """SIGKILL every process of the conversion's group (helpers it may have left behind too)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        log.debug("conversion group %d already gone", pgid)


class OfficeExtractor(Extractor):
    """Reads .doc and .wps files through a LibreOffice conversion to DOCX."""
    format = "doc"

    def extract(self, data: bytes, limits: Limits = Limits()) -> RawDocument:
        """Convert the bytes to DOCX and read that with the DOCX reader."""
        # LibreOffice tells the formats apart by content; the name only has to look like a document.
        raw = DocxExtractor().extract(convert_to_docx(data, ".doc", limits), limits)
        raw.format = self.format
        return raw
