"""Start JupyterLab on a workspace: 127.0.0.1 and a token unless the user asks otherwise.

The token travels in the environment (JUPYTER_TOKEN), not on the command line, where
other users of the machine could read it in `ps`. The port is chosen here and Jupyter
is told not to try others, so the URL printed is the one that works.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import secrets
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from torchdojo.errors import DojoError

LOCAL = "127.0.0.1"
FIRST_PORT = 8888
PORTS_TRIED = 50
INSTALL = "pip install 'torchdojo[notebooks]'"


@dataclass(frozen=True)
class Server:
    """A JupyterLab to start: its command, its environment, and the URL that opens it."""

    command: tuple[str, ...]
    env: dict[str, str]
    url: str
    ip: str
    port: int

    @property
    def exposed(self) -> bool:
        """True when the server listens beyond this machine's loopback."""
        return not _is_loopback(self.ip)


def require_jupyterlab() -> None:
    """A one-line DojoError naming the extra when JupyterLab is not installed."""
    if importlib.util.find_spec("jupyterlab") is None:
        raise DojoError(f"dojo lab needs JupyterLab (the notebooks extra): {INSTALL}")


def _is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return ip == "localhost"


def port_free(ip: str, port: int) -> bool:
    """True when nothing listens on ip:port (a bind succeeds)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((ip, port))
        except OSError:
            return False
    return True


def choose_port(ip: str, port: int | None) -> int:
    """The port asked for if free (else a DojoError), or the first free one from 8888."""
    if port is not None:
        if not port_free(ip, port):
            raise DojoError(f"port {port} on {ip} is in use (another Jupyter?); choose another "
                            f"with --port, or leave it out to take a free one")
        return port
    for candidate in range(FIRST_PORT, FIRST_PORT + PORTS_TRIED):
        if port_free(ip, candidate):
            return candidate
    raise DojoError(f"ports {FIRST_PORT}-{FIRST_PORT + PORTS_TRIED - 1} on {ip} are all in "
                    f"use; choose one with --port")


def server_for(folder: Path, start: str, *, ip: str = LOCAL, port: int | None = None,
               browser: bool = True, quick: bool = False, token: str | None = None,
               env: dict[str, str] | None = None) -> Server:
    """How to start JupyterLab on `folder`, opening `start` (a path inside it)."""
    env = dict(os.environ if env is None else env)
    token = token or env.get("JUPYTER_TOKEN") or secrets.token_urlsafe(24)
    env["JUPYTER_TOKEN"] = token
    if quick:
        env["DOJO_QUICK"] = "1"  # the kernels inherit it: lessons run their few-second configs
    chosen = choose_port(ip, port)
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder.resolve()}",
               f"--ServerApp.ip={ip}", f"--ServerApp.port={chosen}", "--ServerApp.port_retries=0",
               f"--ServerApp.open_browser={browser}", f"--LabApp.default_url=/lab/tree/{start}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--ServerApp.allow_root=True")  # containers run as root; Jupyter refuses
    host = LOCAL if ip in ("0.0.0.0", "::", "") else (f"[{ip}]" if ":" in ip else ip)
    url = f"http://{host}:{chosen}/lab/tree/{start}?token={token}"
    return Server(tuple(command), env, url, ip, chosen)


def default_browser(env: dict[str, str] | None = None) -> bool:
    """Open a browser unless on CI (the CI variable set)."""
    value = (os.environ if env is None else env).get("CI", "")
    return value.lower() in ("", "0", "false")


def serve(server: Server) -> int:
    """Run JupyterLab until it exits or Ctrl-C; then stop it (and its kernels) cleanly."""
    # Its own session: Ctrl-C reaches only us, and Jupyter gets one SIGTERM instead of
    # asking "Shutdown this Jupyter server (y/[n])?" on a terminal it no longer reads.
    proc = subprocess.Popen(server.command, env=server.env, start_new_session=True)
    # and a `kill` of dojo stops Jupyter too, rather than leaving it running on its own
    previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
