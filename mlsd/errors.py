"""Errors that the CLI turns into one line and an exit code."""


class MlsdError(Exception):
    """Base class: carries the exit code the CLI should use."""

    exit_code = 1


class InputError(MlsdError):
    """Bad input or usage; nothing was written (exit 2)."""

    exit_code = 2

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


class ModelCallError(MlsdError):
    """The model endpoint failed after retries; the run can be resumed (exit 3)."""

    exit_code = 3


class OutputConflictError(MlsdError):
    """Another process is writing the same document (exit 3, nothing overwritten)."""

    exit_code = 3


class OutputWriteError(MlsdError):
    """The document could not be written (disk full, unwritable folder); the run is resumable (exit 3)."""

    exit_code = 3
