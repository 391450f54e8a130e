"""A private PostgreSQL 15 cluster for one run: initdb into a temporary directory, start, restart, stop.

The production harness restarts PostgreSQL mid-load; the machine's shared server must stay up for
everyone else's tests, so each run gets a cluster of its own on a free port. PostgreSQL refuses to
run as root: as root, the cluster belongs to the ``postgres`` OS user and every command runs
through ``runuser``; as anyone else, it runs as the caller.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.harness import free_port

BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")
OS_USER = "postgres"
SETTINGS = ("-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "shared_buffers=128MB")


class ClusterUnavailable(RuntimeError):
    """This machine cannot make a private cluster (no server binaries, no ``postgres`` user as root...)."""


def find_bin() -> Path:
    """The directory of ``initdb`` and ``pg_ctl``: ``EDITORIAL_PG_BIN``, Debian's layout, or the PATH."""
    candidates = [os.environ.get("EDITORIAL_PG_BIN", ""), *BIN_DIRS]
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    raise ClusterUnavailable(f"initdb and pg_ctl not found (looked in EDITORIAL_PG_BIN, {', '.join(BIN_DIRS)}, PATH)")


class PrivateCluster:
    """One throw-away cluster: ``start`` (initdb on first use), ``restart`` (fast), ``stop``, ``url``."""

    def __init__(self, *, keep: bool = False) -> None:
        self.bin = find_bin()
        self.keep = keep
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="editorial-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgresql.log"
        self._as: list[str] = []
        self.spent = 0.0
        """CPU seconds of the servers a restart stopped (kept, since their processes are gone)."""
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam(OS_USER)
            except KeyError:
                raise ClusterUnavailable(f"running as root and no {OS_USER!r} OS user to own the cluster") from None
            if shutil.which("runuser") is None:
                raise ClusterUnavailable("running as root and runuser is missing")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", OS_USER, "--"]

    @property
    def url(self) -> str:
        """The server's maintenance database (``postgres``), reached over TCP."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        result = subprocess.run([*self._as, *argv], capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise ClusterUnavailable(f"{Path(argv[0]).name} failed ({result.returncode}): {result.stderr[-2000:]}")

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = " ".join([f"-p {self.port}", f"-k {self.root}", *SETTINGS])
        pg_ctl = str(self.bin / "pg_ctl")
        self._run(pg_ctl, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", action, "-o", options, *extra)

    def start(self) -> PrivateCluster:
        if not self.data.exists():
            initdb = str(self.bin / "initdb")
            self._run(initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        self._pg_ctl("start")
        return self

    def cpu_seconds(self) -> float:
        """CPU time of the server so far: the postmaster with the backends it reaped, and the live ones."""
        try:
            postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return self.spent
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(stat.parent.name), int(fields[1])
            if pid == postmaster:
                ticks += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
            elif ppid == postmaster:
                ticks += int(fields[11]) + int(fields[12])
        return self.spent + ticks / os.sysconf("SC_CLK_TCK")

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every session is cut off, open transactions rolled back."""
        self.spent = self.cpu_seconds()
        self._pg_ctl("restart", "-m", "fast")

    def pause(self) -> None:
        """Stop the server (fast), keeping its data, until ``resume``."""
        self.spent = self.cpu_seconds()
        self._pg_ctl("stop", "-m", "fast")

    def resume(self) -> None:
        self._pg_ctl("start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "fast")
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PrivateCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_: object) -> None:
        self.stop()
