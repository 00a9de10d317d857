"""Test helpers for the HTTP service: a real `python -m service.api` (uvicorn) in a subprocess on a free loopback
port, and headless Chromium driven over the DevTools protocol."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ApiServer:
    """One server process (its own process group, so a kill takes its worker processes with it)."""

    SERVICE_MODULE = ("-m", "service.api")
    CLI_SERVE = ("-m", "service.cli", "serve")

    def __init__(self, data_dir: Path, command: tuple[str, ...] = SERVICE_MODULE, **env: str):
        self.command = command
        self.data_dir = data_dir
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
        self.env = inherited | {"NIANBAO_DATA_DIR": str(data_dir), "NIANBAO_WORKERS": "2"} | env
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log = data_dir / "server.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> ApiServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, *self.command, "--port", str(self.port), "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not answer /healthz in {timeout} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the server and its workers at once: what a crash or power cut leaves behind."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Stop the server, then kill whatever of its process group is left (workers of a killed server)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=60, **kwargs)


def upload(client: httpx.Client, data: bytes, name: str, **form) -> httpx.Response:
    return client.post("/v1/documents", files={"file": (name, data)}, data={k: str(v) for k, v in form.items()})


def wait_until_finished(client: httpx.Client, doc_id: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/v1/documents/{doc_id}").json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"document {doc_id} still {body['status']} after {timeout} s")


# --- headless Chromium ----------------------------------------------------------------------------------------------


def chromium_binary() -> str:
    """Debian's chromium, installed here when missing (the test set-up); a skip only when apt cannot be used."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        pytest.skip("chromium is not installed and apt-get cannot be used here (not root or no apt)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([apt, "update", "-qq"], env=env, capture_output=True, timeout=600, check=False)
    done = subprocess.run([apt, "install", "-y", "-qq", "chromium", "fonts-noto-cjk"], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    found = shutil.which("chromium")
    if not found:
        pytest.skip(f"apt-get could not install chromium: {done.stderr.strip()[-300:]}")
    return found


class Browser:
    """Chromium with a DevTools connection to one page: navigate, evaluate, screenshot, and the console errors."""

    FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--disable-sync", "--remote-debugging-port=0",
             "--window-size=1400,1000", "about:blank")

    def __init__(self, profile: Path):
        import websocket

        profile.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([chromium_binary(), f"--user-data-dir={profile}", *self.FLAGS],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port_file, deadline = profile / "DevToolsActivePort", time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        pages = [t for t in httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json() if t["type"] == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self._next_id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params) -> dict:
        self._next_id += 1
        self.ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def navigate(self, url: str, timeout: float = 30) -> None:
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate("document.readyState") == "complete":
                return
            time.sleep(0.1)
        raise AssertionError(f"{url} did not finish loading")

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        params = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            width, height = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": width, "height": min(height, 12000), "scale": 1}
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", **params)["data"]))
        return path

    def console_errors(self) -> list[str]:
        errors = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                errors.append(params["entry"].get("text", "") + " " + params["entry"].get("url", ""))
        return errors

    def close(self) -> None:
        if getattr(self, "ws", None):
            self.ws.close()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)
