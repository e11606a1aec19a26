"""The HTTP client of the ClientBase server that the workbooks, the UDFs and the add-in share.

Where it connects, first found wins:
  url    the `url` argument, CLIENTBASE_URL, the `url` file beside the token file, http://127.0.0.1:5000
  token  the `token` argument, CLIENTBASE_TOKEN, the token file:
         %APPDATA%\\ClientBase\\token on Windows, ~/.config/clientbase/token elsewhere
         ($XDG_CONFIG_HOME/clientbase/token when that is set).
The token is a secret of the user, not of the workbook: it is never written into a workbook, and
it is left out of this object's repr and of every error message.
Standard library only (urllib), so the Excel side installs without extra packages.
"""
from __future__ import annotations

import json
import os
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Mapping, Optional

DEFAULT_URL = "http://127.0.0.1:5000"
API = "/api/v1"
TIMEOUT = 30.0


class ClientBaseError(Exception):
    """A request that did not succeed, with a message a person can read.

    For an error answer of the server, the message is its problem+json title followed by each
    field's message; `status`, `code` and `errors` (the problem's field errors) are kept for code.
    """

    def __init__(self, message: str, *, status: Optional[int] = None, code: Optional[str] = None,
                 errors: Optional[list[dict[str, Any]]] = None, problem: Optional[dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.errors = list(errors or [])
        self.problem = problem or {}


def config_dir() -> Path:
    """Where the user's token (and optionally the server's url) are kept."""
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA")
        return (Path(appdata) if appdata else Path.home() / "AppData" / "Roaming") / "ClientBase"
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else Path.home() / ".config") / "clientbase"


def _first_line(path: Path) -> Optional[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (FileNotFoundError, NotADirectoryError):
        return None
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None


class Connection:
    """`Connection().post("/figures/clients", {...})` → the parsed JSON answer, or ClientBaseError."""

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, *, timeout: float = TIMEOUT,
                 language: Optional[str] = None) -> None:
        self.url = (url or os.environ.get("CLIENTBASE_URL") or _first_line(config_dir() / "url")
                    or DEFAULT_URL).rstrip("/")
        self._token = token or os.environ.get("CLIENTBASE_TOKEN") or None
        self.timeout = timeout
        # Accept-Language for the server's messages (en, km, ru); the user's own language when None.
        self.language = language

    @property
    def token(self) -> str:
        """The API token, read when first needed (a missing token is an error only when a request is made)."""
        if self._token is None:
            path = config_dir() / "token"
            self._token = _first_line(path)
            if self._token is None:
                raise ClientBaseError(f"no API token: set CLIENTBASE_TOKEN or save the token in {path}")
        return self._token

    def __repr__(self) -> str:
        return f"Connection(url={self.url!r})"

    def get(self, path: str, params: Optional[Mapping[str, Any]] = None) -> Any:
        """GET an API path ("/clients/5" or "/api/v1/clients/5") with optional query parameters."""
        if params:
            from urllib.parse import urlencode

            path = f"{path}?{urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)}"
        return self._request("GET", path, None, {})

    def get_bytes(self, path: str) -> bytes:
        """GET a file (a document's .docx or .pdf) as its bytes."""
        return self._request("GET", path, None, {"Accept": "*/*"}, raw=True)

    def post(self, path: str, json: Any = None, *, headers: Optional[Mapping[str, str]] = None) -> Any:
        """POST a JSON body (e.g. with an Idempotency-Key header) and return the parsed answer."""
        return self._request("POST", path, json, dict(headers or {}))

    def put(self, path: str, json: Any = None) -> Any:
        """PUT a JSON body (the timesheet's changed days) and return the parsed answer."""
        return self._request("PUT", path, json, {})

    def patch(self, path: str, json: Any = None) -> Any:
        """PATCH a JSON body (a posted payment's memo) and return the parsed answer."""
        return self._request("PATCH", path, json, {})

    def endpoint(self, path: str) -> str:
        if not path.startswith("/"):
            path = "/" + path
        if not path.startswith(API + "/") and path != "/healthz":
            path = API + path
        return self.url + path

    def _request(self, method: str, path: str, body: Any, headers: dict[str, str], raw: bool = False) -> Any:
        url = self.endpoint(path)
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Accept": "application/json", "Authorization": f"Bearer {self.token}", **headers}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.language:
            headers["Accept-Language"] = self.language
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                content = resp.read()
        except urllib.error.HTTPError as exc:
            with exc:  # the error answer holds the connection open until it is closed
                raise _http_error(exc) from None
        except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, (socket.timeout, TimeoutError)):
                reason = f"no answer within {self.timeout:g} s"
            raise ClientBaseError(f"cannot reach the server at {self.url} ({reason})") from None
        if raw:
            return content
        if not content:
            return None
        try:
            return json.loads(content)
        except ValueError:
            raise ClientBaseError(f"the server at {self.url} did not answer with JSON") from None


def _http_error(exc: urllib.error.HTTPError) -> ClientBaseError:
    """An error answer → its problem+json title and field messages ("Some fields are not valid. as_of: ...")."""
    try:
        problem = json.loads(exc.read() or b"{}")
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    title = str(problem.get("title") or exc.reason or f"HTTP {exc.code}")
    errors = [e for e in problem.get("errors") or [] if isinstance(e, dict)]
    details = "; ".join(f"{e.get('field')}: {e.get('message')}" if e.get("field") else str(e.get("message"))
                        for e in errors)
    message = f"{title} ({details})" if details else title
    return ClientBaseError(message, status=exc.code, code=problem.get("code"), errors=errors, problem=problem)
