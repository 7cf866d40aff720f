"""``staffroom backup`` and ``staffroom restore``: a copy of the whole database, and putting one back.

SQLite is copied with SQLite's online backup API, which reads one consistent snapshot and is safe
while Staffroom is running (WAL mode: writers are not held up). The copy is written under a
temporary name, checked (``PRAGMA quick_check``) and only then renamed into place, so a backup that
fails half-way never leaves a file that looks complete. It is a single self-contained file
(journal mode DELETE, no ``-wal`` beside it).

PostgreSQL is dumped with ``pg_dump --format=custom`` and restored with ``pg_restore --clean
--if-exists --no-owner --single-transaction``, so a restore that fails part-way leaves the
backup's tables as they were. ``--clean`` only replaces what the dump holds, so tables the backup
does not have (a newer schema's, after a failed upgrade) are dropped first: otherwise they would
outlive the restore and break the next ``staffroom db upgrade``. The tools must be on PATH,
ideally of the server's major version. The password goes to them in the ``PGPASSWORD``
environment variable, never on their command line (which any local user can read), and no
message prints the database URL with its password.

Backup files are created readable by their owner only: they hold members' private journals.

Restoring replaces everything in the configured database, so it asks first (``--yes`` for
scripts) and refuses while Staffroom is using the database: stop every ``staffroom run`` and
``staffroom worker`` first. For SQLite that is checked by taking an exclusive lock that any open
connection prevents; for PostgreSQL by looking for other sessions on the database.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Final

import click
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from adapters.cli import cli_settings
from core.redaction import redact

SQLITE_MAGIC: Final = b"SQLite format 3\x00"
PG_DUMP_MAGIC: Final = b"PGDMP"
PG_TOOLS_HINT: Final = (
    "install the PostgreSQL client tools of your server's major version (Debian and Ubuntu: "
    "apt-get install postgresql-client) or add them to PATH"
)


def default_backup_name(backend: str, now: datetime | None = None) -> str:
    """``staffroom-YYYYMMDD-HHMMSS.db`` for SQLite, ``.dump`` for PostgreSQL (local time)."""
    stamp = (now or datetime.now().astimezone()).strftime("%Y%m%d-%H%M%S")
    return f"staffroom-{stamp}.{'db' if backend == 'sqlite' else 'dump'}"


def _database_url(ctx: click.Context) -> URL:
    return make_url(cli_settings(ctx).database.url)


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise click.ClickException(
            f"{_shown(url)} is not a SQLite file that can be backed up or restored: "
            "set [database] url to sqlite:///path/to/staffroom.db"
        )
    return Path(url.database).expanduser().resolve()


def _sqlite_uri(path: Path, mode: str) -> str:
    return f"{path.as_uri()}?mode={mode}"


def _file_kind(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_MAGIC))


def _target_path(path: Path | None, backend: str, overwrite: bool) -> Path:
    if path is None:
        path = Path.cwd() / default_backup_name(backend)
    elif path.is_dir():
        path = path / default_backup_name(backend)
    path = path.expanduser().resolve()
    if path.exists() and not overwrite:
        raise click.ClickException(
            f"{path} already exists: choose another name or pass --overwrite"
        )
    if not path.parent.is_dir():
        raise click.ClickException(f"folder {path.parent} does not exist: create it first")
    return path


def _partial_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


@contextmanager
def _written_atomically(path: Path) -> Iterator[Path]:
    """A temporary name beside ``path``, renamed to ``path`` only if the block succeeds. The
    file is created readable by its owner only: a backup holds members' private data."""
    partial = _partial_path(path)
    partial.unlink(missing_ok=True)
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _schema_of(connection: sqlite3.Connection) -> str:
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError:
        return "none"
    return ",".join(sorted(str(row[0]) for row in rows)) or "none"


def _pg_conninfo(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment for the tools
    (``PGPASSWORD`` when the URL has one)."""
    from psycopg.conninfo import make_conninfo

    params: dict[str, str] = {}
    password = url.password
    for key, value in url.query.items():
        joined = value if isinstance(value, str) else ",".join(value)
        if key == "password":
            password = joined
        else:
            params[key] = joined
    if url.host:
        params["host"] = url.host
    if url.port:
        params["port"] = str(url.port)
    if url.username:
        params["user"] = url.username
    if url.database:
        params["dbname"] = url.database
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo("", **params), env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise click.ClickException(f"{name} was not found on PATH: {PG_TOOLS_HINT}")
    return found


def _run_pg_tool(args: list[str], env: dict[str, str]) -> None:
    tool = Path(args[0]).name
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    problems = redact(result.stderr.strip())
    if result.returncode != 0:
        raise click.ClickException(f"{tool} failed (exit {result.returncode}): {problems}")
    if problems:
        click.echo(f"{tool}: {problems}", err=True)


def _backup_sqlite(url: URL, path: Path | None, overwrite: bool) -> None:
    source = _sqlite_path(url)
    if not source.is_file():
        raise click.ClickException(f"there is no SQLite database at {source}")
    target = _target_path(path, "sqlite", overwrite)
    if target == source:
        raise click.ClickException("the backup cannot be the database itself: choose another name")
    # Left to right: the copy is closed before it is renamed into place.
    with (
        _written_atomically(target) as partial,
        closing(sqlite3.connect(_sqlite_uri(source, "rw"), uri=True, timeout=30)) as src,
        closing(sqlite3.connect(partial)) as dest,
    ):
        src.backup(dest)
        dest.execute("PRAGMA journal_mode=DELETE")
        check = dest.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise click.ClickException(f"the copy of {source} failed its check: {check}")
        schema = _schema_of(dest)
    size = target.stat().st_size
    click.echo(f"backed up {source} to {target} ({size} bytes, schema {schema})")


def _backup_postgres(url: URL, path: Path | None, overwrite: bool) -> None:
    pg_dump = _pg_tool("pg_dump")
    target = _target_path(path, "postgresql", overwrite)
    conninfo, env = _pg_conninfo(url)
    with _written_atomically(target) as partial:
        _run_pg_tool(
            [
                pg_dump,
                "--format=custom",
                "--no-password",
                f"--file={partial}",
                f"--dbname={conninfo}",
            ],
            env,
        )
    size = target.stat().st_size
    click.echo(f"backed up {_shown(url)} to {target} ({size} bytes)")


def _confirm(yes: bool, where: str, backup_file: Path) -> None:
    if not yes:
        click.confirm(
            f"Replace everything in {where} with {backup_file}? Take a backup of it first if unsure",
            default=False,
            abort=True,
        )


def _restore_sqlite(url: URL, backup_file: Path, yes: bool) -> None:
    target = _sqlite_path(url)
    if _file_kind(backup_file) != SQLITE_MAGIC:
        raise click.ClickException(
            f"{backup_file} is not a SQLite backup (the database is SQLite: {target})"
        )
    with closing(sqlite3.connect(_sqlite_uri(backup_file, "ro"), uri=True)) as src:
        try:
            check = src.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as exc:
            raise click.ClickException(f"{backup_file} cannot be read: {exc}") from None
        if check is None or check[0] != "ok":
            raise click.ClickException(f"{backup_file} failed its check: {check}")
        if _schema_of(src) == "none":
            raise click.ClickException(f"{backup_file} is not a Staffroom database")
        if not target.parent.is_dir():
            raise click.ClickException(f"folder {target.parent} does not exist: create it first")
        _confirm(yes, str(target), backup_file)
        with closing(
            sqlite3.connect(_sqlite_uri(target, "rwc"), uri=True, timeout=1, isolation_level=None)
        ) as dest:
            # Exclusive locking mode keeps the lock from this first transaction until the
            # connection closes; any other open connection (a running Staffroom) prevents it.
            dest.execute("PRAGMA locking_mode=EXCLUSIVE")
            try:
                dest.execute("BEGIN EXCLUSIVE")
                dest.execute("COMMIT")
            except sqlite3.OperationalError:
                raise click.ClickException(
                    f"{target} is in use: stop every `staffroom run` and `staffroom worker` "
                    "that uses it, then restore again"
                ) from None
            # Out of WAL for the copy (allowed under the exclusive lock), so that a backup
            # with another page size can be copied in; Staffroom's engine turns WAL on again.
            dest.execute("PRAGMA journal_mode=DELETE")
            try:
                src.backup(dest)
            except sqlite3.DatabaseError as exc:
                raise click.ClickException(f"restoring into {target} failed: {exc}") from None
            dest.execute("PRAGMA journal_mode=WAL")


def _other_sessions(url: URL) -> int:
    from core.db import make_engine

    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            count = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    except Exception as exc:  # any driver error: say which database, without its password
        reason = str(exc.orig if isinstance(exc, DBAPIError) else exc).strip() or repr(exc)
        hint = " (create it first: createdb NAME)" if "does not exist" in reason else ""
        raise click.ClickException(
            f"cannot connect to {_shown(url)}: {redact(reason.splitlines()[0])}{hint}"
        ) from None
    finally:
        engine.dispose()
    return int(count)


def _dump_tables(pg_restore: str, backup_file: Path, env: dict[str, str]) -> set[tuple[str, str]]:
    """(schema, table) of every table in a custom-format dump, from its table of contents."""
    result = subprocess.run(
        [pg_restore, "--list", str(backup_file)], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise click.ClickException(
            f"{backup_file} cannot be read by pg_restore: {redact(result.stderr.strip())}"
        )
    # TOC lines read "<id>; <catalog oid> <oid> TABLE <schema> <name> <owner>".
    entry = re.compile(r"^\d+;\s+\d+\s+\d+\s+TABLE\s+(?!DATA\s)(\S+)\s+(\S+)\s", re.M)
    return {(schema, name) for schema, name in entry.findall(result.stdout)}


def _tables_not_in(url: URL, dump_tables: set[tuple[str, str]]) -> list[str]:
    """Tables of the database's default schema that the dump does not have: left alone by
    ``pg_restore --clean``, they would survive a restore, like those of a newer schema after a
    failed upgrade, and break the next ``staffroom db upgrade``."""
    from core.db import make_engine

    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        found = inspect(engine)
        schema = found.default_schema_name or "public"
        return sorted(t for t in found.get_table_names() if (schema, t) not in dump_tables)
    finally:
        engine.dispose()


def _drop_tables(url: URL, tables: list[str]) -> None:
    if not tables:
        return
    from core.db import make_engine

    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            for table in tables:
                connection.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    finally:
        engine.dispose()
    click.echo(f"dropped {len(tables)} table(s) the backup does not have: {', '.join(tables)}")


def _restore_postgres(url: URL, backup_file: Path, yes: bool, force: bool) -> None:
    pg_restore = _pg_tool("pg_restore")
    if _file_kind(backup_file)[: len(PG_DUMP_MAGIC)] != PG_DUMP_MAGIC:
        raise click.ClickException(
            f"{backup_file} is not a pg_dump custom-format backup (the database is PostgreSQL)"
        )
    others = _other_sessions(url)
    if others and not force:
        raise click.ClickException(
            f"{others} other connection(s) are using {_shown(url)}: stop every `staffroom run` "
            "and `staffroom worker` first (or pass --force if they are not Staffroom)"
        )
    conninfo, env = _pg_conninfo(url)
    extra = _tables_not_in(url, _dump_tables(pg_restore, backup_file, env))
    _confirm(yes, _shown(url), backup_file)
    _drop_tables(url, extra)
    _run_pg_tool(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--no-password",
            f"--dbname={conninfo}",
            str(backup_file),
        ],
        env,
    )


def _schema_advice(url: URL) -> str:
    from core.db import make_engine, schema_state

    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        current, head = schema_state(engine)
    finally:
        engine.dispose()
    if current == head:
        return f"schema {current}, up to date"
    return f"schema {current or 'empty'}: run `staffroom db upgrade` before starting Staffroom"


@click.command("backup")
@click.argument(
    "path", required=False, type=click.Path(path_type=Path, file_okay=True, dir_okay=True)
)
@click.option("--overwrite", is_flag=True, help="Replace PATH if it already exists.")
@click.pass_context
def backup(ctx: click.Context, path: Path | None, overwrite: bool) -> None:
    """Copy the whole database to PATH (default: staffroom-YYYYMMDD-HHMMSS.db or .dump here;
    a folder: that name inside it). Safe while Staffroom runs."""
    url = _database_url(ctx)
    if url.get_backend_name() == "sqlite":
        _backup_sqlite(url, path, overwrite)
    else:
        _backup_postgres(url, path, overwrite)


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--yes", "-y", is_flag=True, help="Do not ask before replacing the database.")
@click.option(
    "--force",
    is_flag=True,
    help="PostgreSQL: restore even though other sessions use the database.",
)
@click.pass_context
def restore(ctx: click.Context, path: Path, yes: bool, force: bool) -> None:
    """Replace the whole database with the backup at PATH. Stop Staffroom first."""
    url = _database_url(ctx)
    backup_file = path.expanduser().resolve()
    if url.get_backend_name() == "sqlite":
        _restore_sqlite(url, backup_file, yes)
        where = str(_sqlite_path(url))
    else:
        _restore_postgres(url, backup_file, yes, force)
        where = _shown(url)
    click.echo(f"restored {where} from {backup_file} ({_schema_advice(url)})")


__all__ = ["backup", "default_backup_name", "restore"]
