"""A headless Chromium driven over the DevTools protocol, for the HTML report's tests.

The browser is Debian's `chromium` (or any Chromium-like binary named by $VEILLE_BROWSER),
spoken to through `--remote-debugging-pipe`: JSON messages ended by a NUL byte on file
descriptors 3 (to the browser) and 4 (from it). No driver, no websocket library, nothing
downloaded. The network is off: every host name resolves to nothing, the proxy is a closed
port, and the page's network is emulated offline, so a report that needs the web to show
shows broken, and a request it makes is seen as a failed load.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 30.0


def find_browser() -> str | None:
    """The browser's path, or None when this machine has none."""
    named = os.environ.get("VEILLE_BROWSER")
    if named:
        return shutil.which(named) or (named if Path(named).exists() else None)
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    pass


class Page:
    """One tab: load a file, read what it logged, evaluate, shoot, print."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session
        # Console calls, uncaught exceptions, log entries (CSP refusals, failed loads).
        self.problems: list[str] = []
        self.requests: list[str] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        return self.browser.call(method, params, session=self.session)

    def open(self, path: Path, width: int = 1280, height: int = 900) -> None:
        """Load `path` at a window `width` wide and wait for its load event."""
        self.set_width(width, height)
        self.browser.events.clear()
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.browser.wait_for("Page.loadEventFired", self.session)
        # Messages logged during the load arrive around the load event; take them all.
        self.send("Runtime.evaluate", expression="1")
        self._collect()

    def set_width(self, width: int, height: int = 900) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _collect(self) -> None:
        for event in self.browser.drain(self.session):
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                args = params.get("args", [])
                self.problems.append(
                    "console: " + " ".join(str(a.get("value", a.get("description"))) for a in args)
                )
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                self.problems.append("exception: " + str(details.get("text")))
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                if entry.get("level") in ("error", "warning"):
                    self.problems.append(f"log ({entry.get('source')}): {entry.get('text')}")
            elif method == "Network.requestWillBeSent":
                self.requests.append(params.get("request", {}).get("url", ""))

    def evaluate(self, expression: str) -> Any:
        """The JSON value of `expression`, evaluated in the page."""
        reply = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in reply:
            raise BrowserError(f"{expression}: {reply['exceptionDetails'].get('text')}")
        self._collect()
        return reply["result"].get("value")

    def screenshot(self, width: int) -> bytes:
        """A PNG of the whole page at `width` pixels wide."""
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        self.set_width(width, height)
        self.evaluate("document.documentElement.scrollHeight")
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        self.set_width(width, height)
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        return base64.b64decode(shot["data"])

    def pdf(self) -> bytes:
        """The page printed on A4, as print CSS lays it out."""
        printed = self.send(
            "Page.printToPDF",
            paperWidth=8.27,
            paperHeight=11.69,
            printBackground=True,
            preferCSSPageSize=True,
        )
        return base64.b64decode(printed["data"])


class Browser:
    def __init__(self, process: subprocess.Popen[bytes], to_browser: int, from_browser: int):
        self.process = process
        self.to_browser = to_browser
        self.from_browser = from_browser
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, params: dict[str, Any], session: str | None = None) -> Any:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, session: str) -> dict[str, Any]:
        for event in self.events:
            if event["method"] == method and event.get("sessionId") == session:
                return event
        while True:
            event = self._read()
            if "method" in event:
                self.events.append(event)
                if event["method"] == method and event.get("sessionId") == session:
                    return event

    def drain(self, session: str) -> list[dict[str, Any]]:
        mine = [e for e in self.events if e.get("sessionId") == session]
        self.events = [e for e in self.events if e.get("sessionId") != session]
        return mine

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise BrowserError("the browser did not answer in time")
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise BrowserError("the browser closed its end of the pipe")
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(message)

    def new_page(self) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, session)
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.send(f"{domain}.enable")
        page.send(
            "Network.emulateNetworkConditions",
            offline=True,
            latency=0,
            downloadThroughput=-1,
            uploadThroughput=-1,
        )
        return page


@contextmanager
def launched(executable: str) -> Iterator[Browser]:
    """A headless browser with its network off, closed on the way out."""
    to_read, to_browser = os.pipe()
    from_browser, to_write = os.pipe()

    def plumb() -> None:
        # Out of the way first, so that neither lands on the other's target.
        high_read = fcntl.fcntl(to_read, fcntl.F_DUPFD, 10)
        high_write = fcntl.fcntl(to_write, fcntl.F_DUPFD, 10)
        os.dup2(high_read, 3)
        os.dup2(high_write, 4)

    with tempfile.TemporaryDirectory(prefix="veille-browser-") as profile:
        process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--proxy-server=127.0.0.1:9",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Kept open in the browser: the descriptors its end of the pipe is put on.
            pass_fds=(3, 4),
            preexec_fn=plumb,
        )
        os.close(to_read)
        os.close(to_write)
        browser = Browser(process, to_browser, from_browser)
        try:
            yield browser
        finally:
            try:
                browser.call("Browser.close", {})
            except (BrowserError, OSError):
                pass
            os.close(to_browser)
            os.close(from_browser)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
