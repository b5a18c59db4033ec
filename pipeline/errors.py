"""Named errors. The runner turns each into an errors.jsonl line; the CLI into one line on stderr."""


class GovnoticeError(Exception):
    """Base class: an input that cannot be turned into records."""
    code = "error"


class UnreadableDocument(GovnoticeError):
    """The file is corrupt, truncated or not what its type claims."""
    code = "unreadable"


class EmptyDocument(GovnoticeError):
    """The file has no bytes or no text at all."""
    code = "empty"


class EncryptedDocument(GovnoticeError):
    """The file is password-protected."""
    code = "encrypted"


class UnsupportedFormat(GovnoticeError):
    """The bytes are of a type govnotice does not read."""
    code = "unsupported_format"


class TooLarge(GovnoticeError):
    """The file, or a part of it, is over a size limit."""
    code = "too_large"


class Timeout(GovnoticeError):
    """Processing took longer than the per-document time limit."""
    code = "timeout"


class InternalError(GovnoticeError):
    """A bug in govnotice met this input; the run went on without it."""
    code = "internal_error"
