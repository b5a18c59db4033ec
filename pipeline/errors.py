"""Named errors. The runner turns each into an errors.jsonl line; the CLI into one line on stderr.

Every class carries the short ``code`` written to errors.jsonl and a ``hint``
(what an analyst can do about it), so the README table and the codes cannot
drift apart: ``CODES`` lists them all.
"""


class GovnoticeError(Exception):
    """Base class: an input that cannot be turned into records."""
    code = "error"
    hint = "see the detail"


class UnreadableDocument(GovnoticeError):
    """The file is corrupt, truncated or not what its type claims."""
    code = "unreadable"
    hint = "download the file again; open it in its program to check it"


class EmptyDocument(GovnoticeError):
    """The file has no bytes or no text at all."""
    code = "empty"
    hint = "download the file again; a scan where OCR found no text: check it is a page of the notice"


class EncryptedDocument(GovnoticeError):
    """The file is password-protected."""
    code = "encrypted"
    hint = "open it with the password and save an unprotected copy"


class UnsupportedFormat(GovnoticeError):
    """The bytes are of a type govnotice does not read."""
    code = "unsupported_format"
    hint = "convert it to PDF, DOCX, HTML or TXT (e.g. save an .rtf as .docx)"


class TooLarge(GovnoticeError):
    """The file, or a part of it, is over a size limit."""
    code = "too_large"
    hint = "check the file; raise --max-file-size, --max-unzipped or --max-memory if it is genuine"


class Timeout(GovnoticeError):
    """Processing took longer than the per-document time limit."""
    code = "timeout"
    hint = "raise --timeout if the file is genuine and large; otherwise report it"


class CannotOpen(GovnoticeError):
    """The file could not be read from disk (permissions, vanished, I/O error)."""
    code = "io_error"
    hint = "check that the file exists and can be read"


class MissingTool(GovnoticeError):
    """A program needed for this format is not installed (LibreOffice for .doc/.wps)."""
    code = "missing_tool"
    hint = "install it: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui"


class InternalError(GovnoticeError):
    """A bug in govnotice met this input; the run went on without it."""
    code = "internal_error"
    hint = "report it with the file (run with --debug for the traceback)"


class DuplicateSource(GovnoticeError):
    """Two inputs of one run would be stored under the same source; the later one is not read."""
    code = "duplicate_source"
    hint = "give the folders distinct names, or extract them in separate runs"


CODES: dict[str, type[GovnoticeError]] = {
    cls.code: cls for cls in (UnreadableDocument, EmptyDocument, EncryptedDocument, UnsupportedFormat,
                              TooLarge, Timeout, CannotOpen, MissingTool, InternalError, DuplicateSource)}


class StoreError(Exception):
    """The store cannot be opened or written (no space, no permission, another schema)."""


class StoreLocked(StoreError):
    """Another run is writing to the same store."""


# --------------------------------------------------------------------------
# Fetching (govnotice fetch): one line per URL in DIR/fetch-errors.jsonl.
# Not in CODES, which lists what `extract` writes.
# --------------------------------------------------------------------------

class FetchError(GovnoticeError):
    """A URL could not be fetched."""
    code = "fetch_error"


class Blocked(FetchError):
    """The link is not http(s), or its host resolves to a loopback, private or reserved address."""
    code = "blocked"


class RobotsDisallowed(FetchError):
    """The site's robots.txt does not allow the URL."""
    code = "robots"


class HttpStatus(FetchError):
    """The server answered with an error status (404, 500 …)."""
    code = "http_error"

    def __init__(self, detail: str, status: int = 0):
        super().__init__(detail)
        self.status = status


class FetchTimeout(FetchError):
    """The server did not answer within the time limit (after the retries)."""
    code = "timeout"


class ConnectFailed(FetchError):
    """The connection was refused, reset or the host name is unknown."""
    code = "refused"


class DownloadTooLarge(FetchError):
    """The response is over the download size limit."""
    code = "too_large"


class NotANotice(FetchError):
    """The page is neither a notice (text, tables or attachments) nor a file govnotice reads."""
    code = "not_a_notice"
