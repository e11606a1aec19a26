"""PDF through LibreOffice: one headless soffice process converts a whole batch, when LibreOffice is installed."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..core.errors import Conflict

# LibreOffice's start-up is most of a single conversion; a batch amortises it. The limit keeps a
# hung conversion from holding a request forever.
TIMEOUT_S = 600


def soffice() -> str | None:
    """The LibreOffice binary, or None when it is not installed (PDF is then not offered)."""
    return os.environ.get("CLIENTBASE_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    return soffice() is not None


def convert(files: dict[str, bytes]) -> dict[str, bytes]:
    """{name.docx: bytes} → {name.docx: pdf bytes}, all in one LibreOffice run with a private profile."""
    binary = soffice()
    if binary is None:
        raise Conflict("pdf_unavailable")
    with tempfile.TemporaryDirectory(prefix="cb-pdf-") as tmp:
        root = Path(tmp)
        src, out, profile = root / "in", root / "out", root / "profile"
        src.mkdir()
        names = {}
        for i, (name, data) in enumerate(files.items()):
            path = src / f"{i:06d}.docx"   # our own names: nothing from a user reaches the command line
            path.write_bytes(data)
            names[path.stem] = name
        # A private profile per run: two conversions at once would otherwise fight over one lock.
        cmd = [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(out), *sorted(str(p) for p in src.iterdir())]
        result = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S, check=False,
                                env={**os.environ, "HOME": str(root)})
        converted = {names[p.stem]: p.read_bytes() for p in out.glob("*.pdf")} if out.exists() else {}
        missing = sorted(set(files) - set(converted))
        if missing:
            raise Conflict("pdf_failed", params={"files": ", ".join(missing[:5]),
                                                 "reason": result.stderr.decode(errors="replace")[-300:].strip()})
        return converted
