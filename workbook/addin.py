"""Build the ClientBase Excel add-in: xlwings' ribbon add-in with a ClientBase tab, and the module it imports.

The .xlam is xlwings' own `quickstart_addin_ribbon.xlam` copied part by part with zipfile; only the
ribbon (customUI/customUI.xml) is rewritten: the tab, group and button labels in the chosen language.
The button keeps the template's macro (RibbonMyAddin.RunMain), which runs `import <file name>;
<file name>.main()`, so beside the .xlam goes `<file name>.py`, a one-line import of
`workbook.clientbase_addin.main`. The VBA project is copied byte for byte: we never write VBA.
openpyxl is not used on purpose: its save drops the ribbon's relationship and the tab disappears.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import defusedxml.minidom
import xlwings

from .existing import HoldsData

TEMPLATE = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"
DEFAULT_OUT = Path("build") / "clientbase_addin.xlam"
CUSTOM_UI = "customUI/customUI.xml"
NS = "http://schemas.microsoft.com/office/2006/01/customui"
# The template's macro: RunPython "import <add-in file name>; <add-in file name>.main()".
MACRO = "RibbonMyAddin.RunMain"
LABELS = {
    "en": {"tab": "ClientBase", "sync": "Sync"},
    "km": {"tab": "ClientBase", "sync": "ធ្វើសមកាលកម្ម"},
    "ru": {"tab": "ClientBase", "sync": "Синхронизировать"},
}
MODULE = '''"""The ClientBase add-in's Python side: its Sync button imports this module (named after the .xlam)."""
from workbook.clientbase_addin import main  # noqa: F401
'''


def ribbon(template_xml: bytes, language: str) -> bytes:
    """The template's ribbon with ClientBase labels; its one button keeps the template's macro.

    minidom, not ElementTree: it writes the document back as it was (default namespace, layout)
    with only the changed attributes different.
    """
    labels = LABELS[language]
    doc = defusedxml.minidom.parseString(template_xml)
    tabs, groups, buttons = (doc.getElementsByTagNameNS(NS, tag) for tag in ("tab", "group", "button"))
    if (len(tabs), len(groups), len(buttons)) != (1, 1, 1) or buttons[0].getAttribute("onAction") != MACRO:
        raise ValueError(f"xlwings' ribbon template changed: expected one tab, group and button calling {MACRO}")
    for element, attributes in (
        (tabs[0], {"id": "clientbaseTab", "label": labels["tab"]}),
        (groups[0], {"id": "clientbaseSync", "label": labels["sync"]}),
        (buttons[0], {"id": "clientbaseSyncButton", "label": labels["sync"], "screentip": labels["sync"],
                      "imageMso": "RefreshAll"}),
    ):
        for name, value in attributes.items():
            element.setAttribute(name, value)
    return doc.toxml(encoding="utf-8")


def build_addin(out: Path = DEFAULT_OUT, language: str = "en", replace: bool = False) -> Path:
    """Write the add-in to `out` (default build/clientbase_addin.xlam) and its module beside it; return `out`.

    An existing `out` that is not byte for byte an add-in this function writes (in any language) was changed
    after it was built (Excel saved it, someone added a module): it is replaced only with `replace` (the CLI's
    --force, after it has saved a dated copy); otherwise `HoldsData` says which file and why.
    """
    if language not in LABELS:
        raise ValueError(f"language must be one of {', '.join(LABELS)}")
    out = Path(out)
    if out.suffix.lower() != ".xlam":
        raise ValueError(f"{out.name}: an add-in file ends in .xlam")
    if not out.stem.isidentifier():
        # The macro imports the add-in's file name as a Python module.
        raise ValueError(f"{out.name}: the name before .xlam must be a Python module name (letters, digits, _)")
    content = addin_bytes(language)
    if not replace and out.exists():
        reason = changed(out)
        if reason:
            raise HoldsData(out, reason)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written beside it and moved over it when whole: a failed write leaves the old file as it was.
    part = out.with_name(f".{out.name}.building")
    try:
        part.write_bytes(content)
        part.replace(out)
    finally:
        part.unlink(missing_ok=True)
    out.with_suffix(".py").write_text(MODULE, encoding="utf-8")
    return out


def addin_bytes(language: str) -> bytes:
    """The add-in's file: the template's parts with the ribbon relabelled (the same bytes on every build)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(TEMPLATE) as src, zipfile.ZipFile(buffer, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == CUSTOM_UI:
                data = ribbon(data, language)
            dst.writestr(info, data)  # same name, date and compression as the template's part
    return buffer.getvalue()


def changed(path: Path) -> str | None:
    """Why `path` is not an add-in as built (None when it is one, in some language)."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        return f"something that cannot be read ({exc.strerror or exc})"
    if any(content == addin_bytes(language) for language in LABELS):
        return None
    return "changes made since it was built (it is not the file `clientbase addin build` writes)"
