"""The run store: ``MLSD_HOME/runs.db``, schema changed only by numbered migrations."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mlsd.errors import InputError

MIGRATIONS: list[str] = [
    # 1: one row per run, enough to list, resume and find its document.
    """
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        run_key TEXT NOT NULL,
        record TEXT NOT NULL,
        params TEXT NOT NULL,
        strategy TEXT NOT NULL,
        provider TEXT,
        models TEXT,
        prompt_versions TEXT,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        out_dir TEXT,
        output_path TEXT,
        totals TEXT,
        error TEXT
    );
    CREATE INDEX runs_by_key ON runs (run_key, status);
    """,
]


@dataclass(frozen=True)
class RunRow:
    """One stored run."""

    id: str
    run_key: str
    record: dict
    params: dict
    strategy: str
    status: str
    started_at: str
    out_dir: str | None
    output_path: str | None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RunStore:
    """Small synchronous access to runs.db; WAL and a busy timeout let processes share it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn:
            self._migrate(conn)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.row_factory = sqlite3.Row
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")  # one process migrates at a time
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)"
            )
            done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
            for version, sql in enumerate(MIGRATIONS, 1):
                if version not in done:
                    for statement in filter(str.strip, sql.split(";")):
                        conn.execute(statement)
                    conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", (version, _now()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def create(self, run_id: str, run_key: str, record: dict, params: dict, strategy: str, **extra) -> None:
        """Insert a new run with status 'running'."""
        with closing(self._connect()) as conn:
            conn.execute(
                "INSERT INTO runs (id, run_key, record, params, strategy, provider, models, prompt_versions,"
                " status, started_at, out_dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)",
                (
                    run_id,
                    run_key,
                    json.dumps(record),
                    json.dumps(params),
                    strategy,
                    extra.get("provider"),
                    json.dumps(extra.get("models")),
                    json.dumps(extra.get("prompt_versions")),
                    _now(),
                    extra.get("out_dir"),
                ),
            )

    def finish(
        self,
        run_id: str,
        status: str,
        *,
        output_path: str | None = None,
        totals: dict | None = None,
        error: str | None = None,
    ) -> None:
        """Record how a run ended."""
        with closing(self._connect()) as conn:
            conn.execute(
                "UPDATE runs SET status = ?, finished_at = ?, output_path = COALESCE(?, output_path),"
                " totals = COALESCE(?, totals), error = ? WHERE id = ?",
                (status, _now(), output_path, json.dumps(totals) if totals else None, error, run_id),
            )

    def mark_running(self, run_id: str) -> None:
        """A resumed run is running again."""
        with closing(self._connect()) as conn:
            conn.execute("UPDATE runs SET status = 'running', error = NULL WHERE id = ?", (run_id,))

    def unfinished(self, run_key: str) -> RunRow | None:
        """The newest run for this key that did not complete (crashed, killed or failed)."""
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT * FROM runs WHERE run_key = ? AND status IN ('running', 'failed')"
                " ORDER BY started_at DESC LIMIT 1",
                (run_key,),
            ).fetchone()
        return _row(row) if row else None

    def get(self, ref: str) -> RunRow:
        """A run by id, unique id prefix, or 'latest'."""
        with closing(self._connect()) as conn:
            if ref == "latest":
                rows = conn.execute("SELECT * FROM runs ORDER BY started_at DESC LIMIT 1").fetchall()
            else:
                rows = conn.execute("SELECT * FROM runs WHERE id LIKE ? LIMIT 2", (f"{ref}%",)).fetchall()
        if not rows:
            raise InputError("run", f"no run matches {ref!r}")
        if len(rows) > 1:
            raise InputError("run", f"{ref!r} matches more than one run; give more characters")
        return _row(rows[0])


def _row(row: sqlite3.Row) -> RunRow:
    return RunRow(
        id=row["id"],
        run_key=row["run_key"],
        record=json.loads(row["record"]),
        params=json.loads(row["params"]),
        strategy=row["strategy"],
        status=row["status"],
        started_at=row["started_at"],
        out_dir=row["out_dir"],
        output_path=row["output_path"],
    )
