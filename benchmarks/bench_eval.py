"""Deterministic eval speed: documents per second over a folder of N documents (not a test).

    .venv/bin/python benchmarks/bench_eval.py --docs 200 --repeats 3

The folder is built in a temp dir from the six calibration documents: each copy gets a few
numbers changed and a variant tag, so no two files are identical. Timed: reading each file,
parsing its front matter, every deterministic check and the score — what `mlsd eval PATH` does
without --judge, minus printing.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from mlsd.evals.documents import find_documents, load_document
from mlsd.evals.evaluate import deterministic_score

CALIBRATION = Path(__file__).parents[1] / "evals" / "calibration"


def permuted(text: str, seed: int) -> str:
    """Change every fifth number a little (deterministically per seed) and tag the variant."""
    count = [0]

    def bump(match: re.Match[str]) -> str:
        count[0] += 1
        return str(int(match.group()) + seed % 7) if count[0] % 5 == seed % 5 else match.group()

    head, _, body = text.partition("\n## 1.")
    body = re.sub(r"(?<![\d.])\d{2,4}(?![\d.,])", bump, body)
    return f"{head}\n## 1.{body}\n<!-- variant {seed} -->\n"


def build(folder: Path, n: int) -> None:
    """N documents cycling through the calibration set, each one a distinct variant."""
    sources = sorted(CALIBRATION.glob("*.md"))
    for i in range(n):
        source = sources[i % len(sources)]
        (folder / f"{i:04d}-{source.name}").write_text(permuted(source.read_text(), i), encoding="utf-8")


def run(folder: Path) -> tuple[float, int, int]:
    """Seconds to score every document in the folder, the document count and total words."""
    start = time.perf_counter()
    files = find_documents([folder])
    words = 0
    for path in files:
        doc = load_document(path)
        deterministic_score(doc)
        words += len(doc.text.split())
    return time.perf_counter() - start, len(files), words


def main() -> None:
    """Build the folder, warm up once, then time several full passes."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build(folder, args.docs)
        run(folder)  # warm-up: imports, regex compilation, catalogue load
        times = []
        for _ in range(args.repeats):
            seconds, count, words = run(folder)
            times.append(seconds)
        best, median = min(times), statistics.median(times)
        print(f"documents: {count}, mean words/document: {words // count}")
        print(
            f"median {median:.2f} s per pass -> {count / median:.1f} documents/s "
            f"(best {count / best:.1f} documents/s, {1000 * median / count:.1f} ms/document)"
        )


if __name__ == "__main__":
    main()
