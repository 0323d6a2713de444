"""The run store: ``MLSD_HOME/runs.db``, schema changed only by numbered migrations."""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from mlsd.clock import stamp
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
    # 2: one row per LLM request (ARCHITECTURE.md), and the run's active wall time across resumes.
    """
    CREATE TABLE calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL REFERENCES runs (id),
        call_id TEXT NOT NULL UNIQUE,
        node TEXT,
        section INTEGER,
        round INTEGER,
        attempt INTEGER NOT NULL,
        role TEXT,
        model TEXT,
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        latency_ms INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        cached_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL,
        messages TEXT,
        answer TEXT,
        verdicts TEXT,
        finish_reason TEXT,
        error TEXT,
        retries INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX calls_by_run ON calls (run_id, started_at);
    ALTER TABLE runs ADD COLUMN active_since TEXT;
    ALTER TABLE runs ADD COLUMN wall_ms INTEGER NOT NULL DEFAULT 0
    """,
    # 3: the first plan per company × topic, whose framing and facts later variants reuse (§8).
    """
    CREATE TABLE IF NOT EXISTS shared_plans (
        plan_key TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        plan TEXT NOT NULL,
        created_at TEXT NOT NULL
    )
    """,
    # 4: a run made by `mlsd revise`: the run whose document it revised, and which sections.
    """
    ALTER TABLE runs ADD COLUMN revises TEXT;
    ALTER TABLE runs ADD COLUMN revised_sections TEXT
    """,
]
CALL_COLUMNS = (
    "run_id", "call_id", "node", "section", "round", "role", "model", "started_at", "ended_at",
    "latency_ms", "input_tokens", "output_tokens", "cached_tokens", "cost_usd", "messages", "answer",
    "verdicts", "finish_reason", "error", "retries",
)  # fmt: skip


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
    return stamp(precise=True)


class RunStore:
    """Small synchronous access to runs.db; WAL and a busy timeout let processes share it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer: sqlite3.Connection | None = None
        self._writer_lock = threading.Lock()
        with closing(self._connect()) as conn:
            self._migrate(conn)

    def _connect(self, check_same_thread: bool = True) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=30, isolation_level=None, check_same_thread=check_same_thread
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
        # In WAL mode NORMAL cannot corrupt the database; only an OS crash may drop the newest commits.
        conn.execute("PRAGMA synchronous=NORMAL")
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
        now = _now()
        with closing(self._connect()) as conn:
            conn.execute(
                "INSERT INTO runs (id, run_key, record, params, strategy, provider, models, prompt_versions,"
                " status, started_at, out_dir, active_since, revises, revised_sections)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)",
                (
                    run_id,
                    run_key,
                    json.dumps(record),
                    json.dumps(params),
                    strategy,
                    extra.get("provider"),
                    json.dumps(extra.get("models")),
                    json.dumps(extra.get("prompt_versions")),
                    now,
                    extra.get("out_dir"),
                    now,
                    extra.get("revises"),
                    json.dumps(extra["revised_sections"]) if extra.get("revised_sections") else None,
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
        """Record how a run ended; the time since it (re)started adds to its wall time."""
        now = _now()
        with closing(self._connect()) as conn:
            conn.execute(
                "UPDATE runs SET status = ?, finished_at = ?, output_path = COALESCE(?, output_path),"
                " totals = COALESCE(?, totals), error = ?, wall_ms = wall_ms + COALESCE("
                "CAST(ROUND((julianday(?) - julianday(active_since)) * 86400000) AS INTEGER), 0),"
                " active_since = NULL WHERE id = ?",
                (status, now, output_path, json.dumps(totals) if totals else None, error, now, run_id),
            )

    def mark_running(self, run_id: str) -> None:
        """A resumed run is running again."""
        with closing(self._connect()) as conn:
            conn.execute(
                "UPDATE runs SET status = 'running', error = NULL, active_since = ? WHERE id = ?",
                (_now(), run_id),
            )

    def unfinished(self, run_key: str) -> RunRow | None:
        """The newest unfinished run for this key (crashed, killed, interrupted, failed or paused)."""
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT * FROM runs WHERE run_key = ?"
                " AND status IN ('running', 'failed', 'interrupted', 'paused')"
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

    def add_call(self, call: dict) -> int:
        """Insert one LLM call in one short transaction; returns its attempt number for that step."""
        values = [call.get(c) for c in CALL_COLUMNS]
        marks = ", ".join("?" for _ in CALL_COLUMNS)
        # One connection per store, used by one thread at a time: a call does not pay for a new
        # connection, and threads of this process queue here rather than on SQLite's lock.
        with self._writer_lock:
            if self._writer is None:
                self._writer = self._connect(check_same_thread=False)
            conn = self._writer
            # IMMEDIATE takes the write lock first, so counting earlier attempts and inserting this
            # one cannot interleave with another writer (parallel branches or another process).
            conn.execute("BEGIN IMMEDIATE")
            try:
                earlier = conn.execute(
                    "SELECT COUNT(*) FROM calls"
                    " WHERE run_id = ? AND node IS ? AND section IS ? AND round IS ?",
                    (call["run_id"], call.get("node"), call.get("section"), call.get("round")),
                ).fetchone()[0]
                attempt = earlier + 1
                conn.execute(
                    f"INSERT INTO calls ({', '.join(CALL_COLUMNS)}, attempt) VALUES ({marks}, ?)",
                    (*values, attempt),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return attempt

    def close(self) -> None:
        """Close the call writer's connection (reads open and close their own)."""
        with self._writer_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    def calls(self, run_id: str) -> list[dict]:
        """A run's calls in start order, numbered from 1 as ``seq``."""
        with closing(self._connect()) as conn:
            rows = conn.execute(
                "SELECT * FROM calls WHERE run_id = ? ORDER BY started_at, id", (run_id,)
            ).fetchall()
        return [{"seq": i, **_call(r)} for i, r in enumerate(rows, 1)]

    def run_info(self, run_id: str) -> dict:
        """Every stored field of one run, JSON columns decoded, with call totals."""
        return self.list_runs(run_id=run_id)[0]

    def list_runs(self, limit: int = 20, status: str | None = None, run_id: str | None = None) -> list[dict]:
        """Newest runs first, each with its number of calls, tokens and cost summed from ``calls``."""
        where, args = [], []
        if status:
            where.append("r.status = ?")
            args.append(status)
        if run_id:
            where.append("r.id = ?")
            args.append(run_id)
        sql = (
            "SELECT r.*, COUNT(c.id) AS calls, COALESCE(SUM(c.input_tokens), 0) AS input_tokens,"
            " COALESCE(SUM(c.output_tokens), 0) AS output_tokens,"
            " COALESCE(SUM(c.cached_tokens), 0) AS cached_tokens, SUM(c.cost_usd) AS cost_usd,"
            " SUM(c.cost_usd IS NULL AND c.id IS NOT NULL) AS unpriced_calls"
            " FROM runs r LEFT JOIN calls c ON c.run_id = r.id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " GROUP BY r.id ORDER BY r.started_at DESC LIMIT ?"
        )
        with closing(self._connect()) as conn:
            rows = conn.execute(sql, (*args, limit)).fetchall()
        return [_run_info(r) for r in rows]


def _run_info(row: sqlite3.Row) -> dict:
    info = dict(row)
    for key in ("record", "params", "models", "prompt_versions", "totals", "revised_sections"):
        info[key] = json.loads(info[key]) if info[key] else None
    info.pop("active_since", None)
    return info


def _call(row: sqlite3.Row) -> dict:
    call = dict(row)
    for key in ("messages", "verdicts"):
        call[key] = json.loads(call[key]) if call[key] else None
    return call


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
