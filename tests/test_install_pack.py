"""The install pack: backup and restore round-trip a real database (SQLite and PostgreSQL), and the
deployment files (Dockerfile, compose.yaml, systemd units, .env.example) run commands that exist
and name every secret Staffroom reads.

External tools (pg_dump, docker compose, systemd-analyze) are used when they are installed and
work here; a missing or unusable tool skips its test, only a real fault in our files fails one.
Nothing here reaches the network: no image is built, ``docker compose config`` only reads files.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from inspect import isclass
from pathlib import Path
from typing import Any, get_origin

import pytest
from click.testing import CliRunner, Result
from pydantic import BaseModel, SecretStr
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from bots.cli import main
from bots.ops import OpsServer
from core.app import Staffroom
from core.config import ENV_PREFIX, Settings
from core.db import make_engine
from tests.conftest import PG_ADMIN_DB, PG_SERVER, empty_postgres, make_settings
from tests.talk import say, text_of

ROOT = Path(__file__).resolve().parents[1]
TOOL_TIMEOUT = 120


# --- helpers ------------------------------------------------------------------------------------


def staffroom(args: Sequence[str], url: str, *, env: Mapping[str, str] | None = None) -> Result:
    """``staffroom ARGS`` through the real CLI, with the database given as in production."""
    return CliRunner().invoke(
        main, list(args), env={"STAFFROOM_DATABASE__URL": url, **(env or {})}, obj={}
    )


def ok(result: Result) -> str:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}{result.exception!r}"
    return result.output


def populate(url: str) -> None:
    """A few members' worth of data, made through ordinary commands."""
    app = Staffroom(make_settings(url))
    try:
        for user, line, answer in [
            ("ana", 'cpd log 1.5 "Workshop"', "Logged #1"),
            ("ana", 'journal add "Exit tickets worked; hinge questions next"', "Saved to your"),
            ("ana", "profile set role=teacher", "Profile updated"),
            ("ben", 'cpd log 2 "Subject network meeting" category=conference', "Logged #2"),
            ("ben", 'cpd goal add "Improve questioning"', "Goal #1 set"),
        ]:
            reply = text_of(say(app, line, user=user))
            assert reply.startswith(answer), reply
    finally:
        app.engine.dispose()


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    engine = make_engine(url)
    try:
        tables = sorted(inspect(engine).get_table_names())
        with engine.connect() as connection:
            return {
                table: sorted(
                    (tuple(row) for row in connection.execute(text(f'SELECT * FROM "{table}"'))),
                    key=repr,
                )
                for table in tables
            }
    finally:
        engine.dispose()


def change_everything(url: str) -> None:
    """Make the database differ from its backup: more data, some of the old data gone, and a
    table the backup does not have (as a failed upgrade to a newer schema leaves)."""
    app = Staffroom(make_settings(url))
    try:
        say(app, 'cpd log 3 "Written after the backup"', user="cai")
        with app.engine.begin() as connection:
            connection.execute(text("DELETE FROM journal_entry"))
            connection.execute(text("CREATE TABLE made_after_backup (id integer PRIMARY KEY)"))
            connection.execute(text("INSERT INTO made_after_backup (id) VALUES (1)"))
    finally:
        app.engine.dispose()


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder: no staffroom.toml is read, default backup names land here."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_tool(args: Sequence[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str] | None:
    """Run an external tool; None when it cannot be run at all here."""
    try:
        return subprocess.run(
            [str(a) for a in args],
            capture_output=True,
            text=True,
            timeout=TOOL_TIMEOUT,
            check=False,
            **kwargs,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def needs_pg_tools() -> None:
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")


def skip_if_tool_mismatch(result: Result) -> None:
    if "server version mismatch" in result.output or "unsupported version" in result.output:
        pytest.skip(f"the PostgreSQL client tools do not match the server: {result.output}")


@pytest.fixture
def fresh_postgres(postgres_database: str) -> Iterator[str]:
    """An empty database of its own on the test server, dropped afterwards (skipped, like the
    run's own database, when the server is not there)."""
    name = f"staffroom_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{PG_SERVER}/{PG_ADMIN_DB}", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- (a) backup and restore ---------------------------------------------------------------------


def test_backup_then_restore_gives_back_every_row(db_url: str, in_tmp: Path) -> None:
    """Backup, change the database, restore: every table holds exactly what it held before."""
    is_sqlite = db_url.startswith("sqlite")
    if not is_sqlite:
        needs_pg_tools()
    populate(db_url)
    before = snapshot(db_url)
    assert before["cpd_activity"] and before["journal_entry"] and before["member"]

    result = staffroom(["backup"], db_url)
    skip_if_tool_mismatch(result)
    ok(result)
    [made] = list(in_tmp.glob("staffroom-*"))
    assert re.fullmatch(r"staffroom-\d{8}-\d{6}\.(db|dump)", made.name)
    assert made.suffix == (".db" if is_sqlite else ".dump")
    assert made.stat().st_mode & 0o077 == 0, "a backup is readable by its owner only"

    change_everything(db_url)
    assert snapshot(db_url) != before

    # The run's PostgreSQL database may still have idle connections from other tests, which
    # would (rightly) make restore refuse; the refusal has its own test below.
    restored = ok(
        staffroom(["restore", "--yes", *([] if is_sqlite else ["--force"]), str(made)], db_url)
    )
    assert snapshot(db_url) == before
    assert "up to date" in restored

    # The restored database is a working Staffroom: ids carry on after the restored rows.
    app = Staffroom(make_settings(db_url))
    try:
        assert "Logged #3" in text_of(say(app, 'cpd log 1 "After the restore"', user="ana"))
    finally:
        app.engine.dispose()


def test_sqlite_restore_into_a_new_file(sqlite_url: str, in_tmp: Path) -> None:
    populate(sqlite_url)
    before = snapshot(sqlite_url)
    ok(staffroom(["backup", str(in_tmp / "nightly.db")], sqlite_url))
    fresh = f"sqlite:///{in_tmp / 'elsewhere' / 'staffroom.db'}"
    (in_tmp / "elsewhere").mkdir()
    output = ok(staffroom(["restore", "-y", str(in_tmp / "nightly.db")], fresh))
    assert "up to date" in output
    assert snapshot(fresh) == before


@pytest.mark.postgres
def test_postgres_restore_into_a_new_database(
    postgres_database: str, fresh_postgres: str, in_tmp: Path
) -> None:
    """The disaster case: a new server, an empty database, last night's dump."""
    needs_pg_tools()
    empty_postgres(postgres_database)
    populate(postgres_database)
    before = snapshot(postgres_database)
    result = staffroom(["backup", str(in_tmp)], postgres_database)
    skip_if_tool_mismatch(result)
    ok(result)
    [dump] = list(in_tmp.glob("staffroom-*.dump"))

    ok(staffroom(["restore", "--yes", str(dump)], fresh_postgres))
    assert snapshot(fresh_postgres) == before


@pytest.mark.postgres
def test_postgres_password_goes_by_environment_only(
    postgres_database: str, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test server trusts every local connection, so any password works; it must reach
    pg_dump as PGPASSWORD, and appear on no command line and in no output."""
    needs_pg_tools()
    password = "not-on-the-command-line-4711"
    parts = make_url(postgres_database).set(password=password)
    url = parts.render_as_string(hide_password=False)
    seen: list[tuple[list[str], dict[str, str]]] = []
    real_run = subprocess.run

    def spying_run(args: list[str], **kwargs: Any) -> Any:
        seen.append((list(args), dict(kwargs["env"])))
        return real_run(args, **kwargs)

    monkeypatch.setattr("bots.backup.subprocess.run", spying_run)
    result = staffroom(["backup", "out.dump"], url)
    skip_if_tool_mismatch(result)
    output = ok(result)
    [(args, env)] = seen
    assert env["PGPASSWORD"] == password
    assert not any(password in arg for arg in args)
    assert password not in output
    assert "***" in output  # the URL is shown, with its password hidden


def test_backup_works_while_running_and_restore_refuses(db_url: str, in_tmp: Path) -> None:
    """While a Staffroom is running (a connection is open), a backup is taken as usual, and a
    restore refuses instead of replacing the data under it."""
    if not db_url.startswith("sqlite"):
        needs_pg_tools()
    running = Staffroom(make_settings(db_url))
    try:
        say(running, 'cpd log 1 "While running"')
        result = staffroom(["backup", "b"], db_url)
        skip_if_tool_mismatch(result)
        ok(result)
        say(running, 'cpd log 1 "Still running"')
        refused = staffroom(["restore", "--yes", str(in_tmp / "b")], db_url)
    finally:
        running.engine.dispose()
    assert refused.exit_code == 1
    assert "stop every `staffroom run` and `staffroom worker`" in refused.output


def test_restore_asks_first(sqlite_url: str, in_tmp: Path) -> None:
    populate(sqlite_url)
    before = snapshot(sqlite_url)
    ok(staffroom(["backup", "b.db"], sqlite_url))
    change_everything(sqlite_url)
    after = snapshot(sqlite_url)
    declined = CliRunner().invoke(
        main, ["restore", "b.db"], input="n\n", env={"STAFFROOM_DATABASE__URL": sqlite_url}
    )
    assert declined.exit_code == 1 and "Replace everything in" in declined.output
    assert snapshot(sqlite_url) == after
    accepted = CliRunner().invoke(
        main, ["restore", "b.db"], input="y\n", env={"STAFFROOM_DATABASE__URL": sqlite_url}
    )
    ok(accepted)
    assert snapshot(sqlite_url) == before


def test_backup_refuses_to_overwrite_and_to_mix_kinds(sqlite_url: str, in_tmp: Path) -> None:
    ok(staffroom(["backup", "b.db"], sqlite_url))
    again = staffroom(["backup", "b.db"], sqlite_url)
    assert again.exit_code == 1 and "--overwrite" in again.output
    ok(staffroom(["backup", "--overwrite", "b.db"], sqlite_url))
    (in_tmp / "not-a-backup.db").write_bytes(b"PGDMP and more")
    wrong = staffroom(["restore", "-y", "not-a-backup.db"], sqlite_url)
    assert wrong.exit_code == 1 and "is not a SQLite backup" in wrong.output
    assert not list(in_tmp.glob(".*.partial"))


def test_missing_postgres_tools_are_named(in_tmp: Path) -> None:
    """No server is contacted: the tool is looked for first."""
    url = "postgresql+psycopg://staffroom:secret-pw@127.0.0.1:5432/staffroom"
    empty_path = {"PATH": str(in_tmp)}
    backup = staffroom(["backup"], url, env=empty_path)
    assert backup.exit_code == 1 and "pg_dump was not found on PATH" in backup.output
    (in_tmp / "x.dump").write_bytes(b"PGDMP")
    restore = staffroom(["restore", "-y", "x.dump"], url, env=empty_path)
    assert restore.exit_code == 1 and "pg_restore was not found on PATH" in restore.output
    assert "secret-pw" not in backup.output + restore.output


# --- the commands the deployment files run ------------------------------------------------------


def assert_is_staffroom_command(args: Sequence[str]) -> None:
    """``staffroom ARGS`` parses: every sub-command and option exists (``--help`` stops it
    before it runs anything)."""
    result = CliRunner().invoke(main, [*args, "--help"], obj={})
    assert result.exit_code == 0, f"`staffroom {' '.join(args)}` is not a command: {result.output}"


def compose_commands() -> dict[str, list[str]]:
    """Each service's ``command: [...]`` in compose.yaml (written as JSON-style lists)."""
    found: dict[str, list[str]] = {}
    service = None
    for line in (ROOT / "compose.yaml").read_text().splitlines():
        if match := re.fullmatch(r"  ([a-z][\w-]*):\s*", line):
            service = match.group(1)
        elif (match := re.fullmatch(r"\s+command:\s*(\[.*\])\s*", line)) and service:
            found[service] = json.loads(match.group(1))
    return found


def test_compose_services_run_real_commands() -> None:
    commands = compose_commands()
    assert commands == {
        "migrate": ["db", "upgrade"],
        "staffroom": ["run", "--no-scheduler"],
        "worker": ["worker"],
    }
    for args in commands.values():
        assert_is_staffroom_command(args)


# --- (b) docker compose config ------------------------------------------------------------------


def compose_env() -> dict[str, str]:
    """The environment without anything that would change how compose reads the files."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COMPOSE_", ENV_PREFIX)) and k != "POSTGRES_PASSWORD"
    }


def test_docker_compose_config_validates(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed")
    version = run_tool([docker, "compose", "version"], env=compose_env())
    if version is None or version.returncode != 0:
        why = (version.stderr or version.stdout).strip() if version else "it did not run"
        pytest.skip(f"`docker compose` is not usable here: {why}")
    for name in ("compose.yaml", "Dockerfile", ".dockerignore"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    compose: list[str | Path] = [
        docker,
        "compose",
        "--project-directory",
        tmp_path,
        "-f",
        tmp_path / "compose.yaml",
    ]

    result = run_tool([*compose, "config", "--format", "json"], env=compose_env())
    if result is None:
        pytest.skip("`docker compose config` did not finish")
    if "Cannot connect to the Docker daemon" in result.stderr:
        pytest.skip(f"`docker compose config` wants a daemon here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    services = config["services"]
    assert set(services) == {"postgres", "migrate", "staffroom", "worker"}
    for name in ("staffroom", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["environment"]["STAFFROOM_DATABASE__URL"].startswith(
            "postgresql+psycopg://"
        )
    assert services["postgres"]["image"].startswith("postgres:16")

    # Without the password in .env, compose stops at once and says what is missing.
    (tmp_path / ".env").write_text("STAFFROOM_DATABASE__URL=sqlite:////data/staffroom.db\n")
    missing = run_tool([*compose, "config"], env=compose_env())
    assert missing is not None and missing.returncode != 0
    assert "POSTGRES_PASSWORD" in missing.stderr


# --- (c) systemd units --------------------------------------------------------------------------

UNITS = [
    ROOT / "deploy/systemd/staffroom.service",
    ROOT / "deploy/systemd/staffroom-worker.service",
]
# What systemd-analyze says about the file itself: a parse diagnostic carries "file:line:".
# Everything else it may say in a build box (the binary or user not existing here) is not ours.
UNIT_ERROR = re.compile(
    r"\.service:\d+: |Unknown (key|section|lvalue)|Invalid section|Missing '='|"
    r"Failed to parse|failed to load properly|Bad message|has no ExecStart|more than one ExecStart"
)


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections of key → every value given (systemd allows repeating a key)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            assert line.endswith("]"), f"{path.name}: bad section header {line}"
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"{path.name}: stray line {line}"
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def unit_command(value: str) -> list[str]:
    """The staffroom arguments of an Exec line, without --config and unset-able $VARIABLES."""
    words = shlex.split(value)
    assert Path(words[0]).name == "staffroom", value
    args = [w for w in words[1:] if not w.startswith("$")]
    if args[:1] == ["--config"]:
        args = args[2:]
    return args


def test_systemd_units_are_hardened_and_run_real_commands() -> None:
    for path in UNITS:
        service = parse_unit(path)["Service"]
        assert service["User"] == ["staffroom"]
        assert service["EnvironmentFile"] and service["WorkingDirectory"]
        assert service["Restart"] == ["on-failure"]
        assert service["NoNewPrivileges"] == ["yes"]
        assert service["ProtectSystem"] == ["strict"]
        assert service["PrivateTmp"] == ["yes"]
        assert service["WorkingDirectory"][0] in " ".join(service["ReadWritePaths"]).split()
        for exec_line in service["ExecStart"] + service.get("ExecStartPre", []):
            assert_is_staffroom_command(unit_command(exec_line))
    front = parse_unit(UNITS[0])["Service"]
    assert unit_command(front["ExecStartPre"][0]) == ["db", "upgrade"]
    assert unit_command(front["ExecStart"][0]) == ["run"]
    assert unit_command(parse_unit(UNITS[1])["Service"]["ExecStart"][0]) == ["worker"]


def systemd_verify(paths: Sequence[Path]) -> subprocess.CompletedProcess[str] | None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        return None
    env = {**os.environ, "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": "", "LC_ALL": "C"}
    return run_tool([tool, "verify", "--man=no", *paths], env=env)


def test_systemd_analyze_verify(tmp_path: Path) -> None:
    # A unit with a typing mistake first: if this systemd-analyze does not report it, it cannot
    # vouch for ours either.
    control = tmp_path / "staffroom-control.service"
    control.write_text("[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\nRestrt=always\n")
    checked = systemd_verify([control])
    if checked is None:
        pytest.skip("systemd-analyze is not installed or did not run")
    if not UNIT_ERROR.search(checked.stdout + checked.stderr):
        pytest.skip(f"systemd-analyze does not report unit errors here: {checked.stderr.strip()}")

    result = systemd_verify(UNITS)
    assert result is not None
    errors = [
        line for line in (result.stdout + result.stderr).splitlines() if UNIT_ERROR.search(line)
    ]
    assert not errors, "\n".join(errors)


# --- (d) the Dockerfile -------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the final stage, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    instructions: list[tuple[str, str]] = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            if word.upper() == "FROM":
                instructions = []
            instructions.append((word.upper(), rest.strip()))
    return instructions


def one(instructions: list[tuple[str, str]], name: str) -> str:
    [value] = [rest for word, rest in instructions if word == name]
    return value


def test_dockerfile_runs_what_the_readme_documents() -> None:
    final = dockerfile()
    command = json.loads(one(final, "ENTRYPOINT")) + json.loads(one(final, "CMD"))
    assert command == ["staffroom", "run"]
    assert "`staffroom run" in (ROOT / "README.md").read_text()
    assert_is_staffroom_command(command[1:])

    user = one(final, "USER")
    assert user not in ("root", "0")
    env = " ".join(rest for word, rest in final if word == "ENV")
    assert "STAFFROOM_SERVER__HOST=0.0.0.0" in env
    [url] = re.findall(r"STAFFROOM_DATABASE__URL=(\S+)", env)
    assert url == "sqlite:////data/staffroom.db"
    make_settings(url)  # a valid database setting
    assert "/data" in one(final, "VOLUME")

    text_ = (ROOT / "Dockerfile").read_text()
    assert re.search(r"pip install \.\s*$", text_, re.M), "install the package, no dev extras"
    assert "[test]" not in text_


def healthcheck_code() -> str:
    healthcheck = one(dockerfile(), "HEALTHCHECK")
    exec_form = json.loads(healthcheck[healthcheck.index("CMD") + len("CMD") :].strip())
    assert exec_form[:2] == ["python", "-c"]
    code: str = exec_form[2]
    assert "/healthz" in code and "urllib" in code
    assert f"'{Settings().server.port}'" in code  # the server's default port
    return code


async def test_dockerfile_healthcheck_asks_the_real_healthz(sqlite_app: Staffroom) -> None:
    """The image's health check command, run against the real ops server: 0 when healthy,
    not 0 when a check fails or nothing listens."""
    code = healthcheck_code()
    ops = OpsServer(sqlite_app, "127.0.0.1", 0)
    failing = {"now": False}

    async def platform_ok() -> bool:
        return not failing["now"]

    ops.add_check("slack", platform_ok)
    await ops.start()

    async def health() -> int:
        env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
        env["STAFFROOM_SERVER__PORT"] = str(ops.bound_port)
        env["HTTP_PROXY"] = env["http_proxy"] = "http://127.0.0.1:9"  # must be ignored
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            code,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        return await asyncio.wait_for(process.wait(), 30)

    try:
        assert await health() == 0
        failing["now"] = True
        assert await health() != 0
    finally:
        await ops.stop()
    assert await health() != 0


# --- (e) .env.example ---------------------------------------------------------------------------


def secret_env_names(model: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, field in model.model_fields.items():
        annotation = field.annotation
        env = f"{prefix}{name.upper()}"
        if (
            get_origin(annotation) is None
            and isclass(annotation)
            and issubclass(annotation, BaseModel)
        ):
            yield from secret_env_names(annotation, f"{env}__")
        elif SecretStr in (getattr(annotation, "__args__", ()) or (annotation,)):
            yield env


def test_env_example_names_every_secret() -> None:
    names = set(secret_env_names(Settings, ENV_PREFIX))
    assert "STAFFROOM_SLACK__BOT_TOKEN" in names and "STAFFROOM_SERVER__METRICS_TOKEN" in names
    example = (ROOT / ".env.example").read_text()
    named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, re.M))
    assert names <= named, f"missing from .env.example: {sorted(names - named)}"
    assert {"STAFFROOM_DATABASE__URL", "POSTGRES_PASSWORD"} <= named
    assert re.search(r"^STAFFROOM_DATABASE__URL=postgresql\+psycopg://", example, re.M)


def test_env_example_sets_nothing_that_would_break_a_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every line that is not commented out is a valid setting, and no secret is set to an
    empty value (that would count as configured)."""
    example = (ROOT / ".env.example").read_text()
    active = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", example, re.M))
    staffroom_env = {k: v for k, v in active.items() if k.startswith(ENV_PREFIX)}
    assert all(staffroom_env.values())
    for key, value in staffroom_env.items():
        monkeypatch.setenv(key, value)
    assert Settings().platforms() == []  # tokens are examples to fill in, all commented out


# --- INSTALL.md ---------------------------------------------------------------------------------


def documented_commands() -> list[list[str]]:
    """The staffroom arguments of every command in INSTALL.md's code blocks: run through
    `docker compose run ... staffroom`, the `sr` helper, or /opt/staffroom/bin/staffroom."""
    found: list[list[str]] = []
    blocks = re.findall(
        r"^\s*```[a-z]*\n(.*?)^\s*```", (ROOT / "INSTALL.md").read_text(), re.M | re.S
    )
    for line in "\n".join(blocks).splitlines():
        if "sr()" in line:
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
        args: list[str] | None = None
        for i, word in enumerate(words):
            if words[i : i + 3] == ["docker", "compose", "run"]:
                rest = words[i + 3 :]
                while rest and rest[0].startswith("-"):
                    rest = rest[2:] if rest[0] in ("-v", "--volume", "-e", "--env") else rest[1:]
                if rest[:1] == ["staffroom"]:
                    args = rest[1:]
                break
            if word == "sr" and i == 0:
                args = words[1:]
                break
            if word.endswith("/opt/staffroom/bin/staffroom"):
                args = words[i + 1 :]
                break
        if args is None:
            continue
        for j, word in enumerate(args):
            if word[0] in ";&|>":
                args = args[:j]
                break
        if args[:1] == ["--config"]:
            args = args[2:]
        found.append(args)
    return found


def test_install_guide_commands_exist() -> None:
    commands = documented_commands()
    for args in commands:
        assert_is_staffroom_command(args)
    named = {" ".join(args[:2]) if args[0] in ("db", "discord") else args[0] for args in commands}
    assert {"backup", "restore", "check", "db upgrade", "discord sync", "slack-manifest"} <= named
    assert "telegram-link" in named
