"""Headless Chromium (Debian's `chromium`) driven over --remote-debugging-pipe, and a small PNG reader.

The DevTools protocol over the pipe needs no port, no websocket library and no network: we write
NUL-terminated JSON commands to the browser's fd 3 and read replies and events from its fd 4.
A page is loaded in a fresh target with a fixed viewport; `evaluate` runs a script in it through
the protocol (which a page's Content-Security-Policy does not stop: the page itself stays script-free),
`screenshot` returns the decoded pixels.  Every network request the page makes is recorded.
"""
from __future__ import annotations

import base64
import json
import os
import select
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

WAIT = 120.0  # seconds: a guard against a hung browser, not a timing assertion


class ChromiumError(RuntimeError):
    pass


def executable() -> str | None:
    return shutil.which("chromium")


class Chromium:
    def __init__(self, profile_dir: Path):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def fds() -> None:  # in the child, before exec: the pipe ends become fds 3 and 4
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        cmd = [executable(), "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
               "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
               "--hide-scrollbars", "--font-render-hinting=none", f"--user-data-dir={profile_dir}", "about:blank"]
        self.proc = subprocess.Popen(cmd, close_fds=False, preexec_fn=fds, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []
        self.session: str | None = None

    # -- protocol

    def _read_message(self) -> dict:
        while b"\0" not in self._buf:
            ready, _, _ = select.select([self._from_browser], [], [], WAIT)
            if not ready:
                raise ChromiumError("chromium did not answer")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise ChromiumError(f"chromium closed the pipe (exit {self.proc.poll()})")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, *, session: bool = True) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise ChromiumError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str) -> dict:
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            e = self._read_message()
            if e.get("method") == method:
                return e
            self.events.append(e)

    # -- pages

    def open(self, url: str, width: int, height: int) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Network.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise ChromiumError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot_png(self, rect: dict | None = None) -> bytes:
        """PNG of `rect` ({x, y, width, height} in page coordinates), or of the whole page."""
        if rect is None:
            w, h = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            rect = {"x": 0, "y": 0, "width": w, "height": h}
        clip = {k: rect[k] for k in ("x", "y", "width", "height")}
        return base64.b64decode(self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                                      "clip": dict(clip, scale=1)})["data"])

    def screenshot(self, rect: dict) -> "Image":
        return Image.from_png(self.screenshot_png(rect))

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False)
        except (ChromiumError, OSError):
            pass
        try:
            self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


class Image:
    """RGB(A) pixels of an 8-bit PNG (what Chromium writes), read with zlib only."""

    def __init__(self, width: int, height: int, channels: int, rows: list[bytes]):
        self.width, self.height, self.channels, self.rows = width, height, channels, rows

    @classmethod
    def from_png(cls, data: bytes) -> "Image":
        if data[:8] != b"\x89PNG\r\n\x1a\n":
            raise ChromiumError("not a PNG")
        pos, idat, header = 8, b"", None
        while pos < len(data):
            length, kind = struct.unpack(">I4s", data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + length]
            if kind == b"IHDR":
                header = struct.unpack(">IIBBBBB", body)
            elif kind == b"IDAT":
                idat += body
            pos += 12 + length
        width, height, depth, colour, _, _, interlace = header
        if depth != 8 or colour not in (2, 6) or interlace:
            raise ChromiumError(f"PNG layout not handled: depth {depth}, colour type {colour}, interlace {interlace}")
        channels = 3 if colour == 2 else 4
        raw = zlib.decompress(idat)
        stride = width * channels
        rows, prev = [], bytearray(stride)
        for y in range(height):
            kind = raw[y * (stride + 1)]
            line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = prev[i]
                c = prev[i - channels] if i >= channels else 0
                if kind == 1:
                    line[i] = (line[i] + a) & 0xFF
                elif kind == 2:
                    line[i] = (line[i] + b) & 0xFF
                elif kind == 3:
                    line[i] = (line[i] + (a + b) // 2) & 0xFF
                elif kind == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
            rows.append(bytes(line))
            prev = line
        return cls(width, height, channels, rows)

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        row = self.rows[y]
        i = x * self.channels
        return row[i], row[i + 1], row[i + 2]

    def colours(self, left: float, top: float, width: float, height: float) -> dict[tuple[int, int, int], int]:
        """How many pixels of each colour the rectangle holds."""
        out: dict[tuple[int, int, int], int] = {}
        for y in range(max(0, int(top)), min(self.height, int(top + height))):
            for x in range(max(0, int(left)), min(self.width, int(left + width))):
                p = self.pixel(x, y)
                out[p] = out.get(p, 0) + 1
        return out
