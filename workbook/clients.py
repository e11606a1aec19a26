"""clients.xlsm's Sync: push the user's edits to the client base in one batch, keep what was refused, pull it fresh.

1. Read the table and diff it against the snapshot of the last pull: new rows are creates, changed
   rows are updates (with the row version they were read at), rows gone from the table are archives.
2. One `POST /clients/batch`; every row is applied whole or refused whole, with its own answer.
3. Pull the whole base (`GET /clients/export?format=json`) and rewrite the table and the snapshot.
   A refused row keeps the values the user typed, with the reason in its status cell; a row a
   colleague changed meanwhile keeps the user's values and shows both sides: nothing is silently
   overwritten, and syncing again is the user's explicit "keep mine".
Before all this, the rows of the Import sheet that ask for something (dry run, commit, undo) are
sent one by one (workbook/imports.py).
"""
from __future__ import annotations

import json
import time
from typing import Any, Optional

from . import imports
from .connection import ClientBaseError, Connection
from .layout import CLIENTS, FIRST_ROW, LANGUAGES
from .sync import (
    Config,
    Row,
    Summary,
    config,
    is_yes,
    is_yes_or_no,
    read_rows,
    read_snapshot,
    save,
    table_sheet,
    text,
    write_list,
    write_rows,
    write_snapshot,
)

# Which counter of the summary an accepted row adds to.
DONE = {"create": "created", "update": "updated", "archive": "archived"}
# Columns compared to find what the user changed (everything the user may edit).
EDITABLE = [c.key for c in CLIENTS.columns if c.editable]

MESSAGES = {
    "refused": ("Not saved: {reasons}", "មិនបានរក្សាទុក៖ {reasons}", "Не сохранено: {reasons}"),
    "conflict": ("Changed by someone else since your last Sync: {fields}. Your values are kept here; "
                 "Sync again to save them over theirs, or type theirs.",
                 "មានអ្នកផ្សេងបានកែប្រែតាំងពីការធ្វើសមកាលកម្មចុងក្រោយ៖ {fields}។ តម្លៃរបស់អ្នកនៅទីនេះ "
                 "ធ្វើសមកាលកម្មម្តងទៀតដើម្បីរក្សាទុកតម្លៃរបស់អ្នក ឬវាយតម្លៃរបស់គេ។",
                 "Изменено другим пользователем после вашей синхронизации: {fields}. Ваши значения оставлены "
                 "здесь; синхронизируйте ещё раз, чтобы сохранить их, или введите значения коллеги."),
    "yours_theirs": ("{field}: yours «{yours}», theirs «{theirs}»", "{field}៖ របស់អ្នក «{yours}» របស់គេ «{theirs}»",
                     "{field}: ваше «{yours}», коллеги «{theirs}»"),
    "archive_refused": ("Not archived: {reasons}", "មិនបានទុកក្នុងបណ្ណសារ៖ {reasons}", "Не архивировано: {reasons}"),
    "not_yes_no": ("Not saved: {field}: «{value}» is neither yes nor no.",
                   "មិនបានរក្សាទុក៖ {field}៖ «{value}» មិនមែន បាទ/ចាស ឬ ទេ។",
                   "Не сохранено: {field}: «{value}» — не «да» и не «нет»."),
    "held_archives": ("Rows deleted since the last Sync were not archived: a row shows an ID this workbook did not "
                      "pull ({ids}), and may be one of them with its ID typed over.",
                      "ជួរដែលបានលុបតាំងពីការធ្វើសមកាលកម្មចុងក្រោយមិនត្រូវបានទុកក្នុងបណ្ណសារទេ៖ មានជួរមួយបង្ហាញលេខសម្គាល់ "
                      "ដែលសៀវភៅនេះមិនបានទាញ ({ids}) ហើយអាចជាជួរមួយក្នុងចំណោមនោះដែលលេខសម្គាល់ត្រូវបានវាយជាន់។",
                      "Строки, удалённые после синхронизации, не архивированы: в строке ID, которого не было в "
                      "синхронизации ({ids}), — возможно, это одна из них с изменённым ID."),
    "stray": ("Not sent: this ID was not in the last Sync of this workbook. Clear the ID to add the row as a new "
              "client.", "មិនបានផ្ញើ៖ លេខសម្គាល់នេះមិនមាននៅក្នុងការធ្វើសមកាលកម្មចុងក្រោយ។ លុបលេខសម្គាល់ចេញ "
              "ដើម្បីបន្ថែមជាអតិថិជនថ្មី។", "Не отправлено: этого ID не было в последней синхронизации. Очистите ID, "
              "чтобы добавить строку как нового клиента."),
}


def _say(key: str, language: str, **params: Any) -> str:
    return MESSAGES[key][LANGUAGES.index(language)].format(**params)


def main() -> None:
    """The Sync button (and `clientbase workbooks sync clients.xlsm`)."""
    import xlwings as xw

    sync(xw.Book.caller())


def sync(book: Any, connection: Any = None) -> Summary:
    """Push the table's changes, answer each row, pull everything back. Returns what happened."""
    summary = Summary()
    t = time.perf_counter()
    cfg = config(book)
    # Accept-Language: the workbook's language, for messages the server answers before it knows the user.
    conn = connection or Connection(url=cfg.url, language=cfg.language)
    # The Import sheet's rows first, so that the pull below already shows what a commit or undo did;
    # the book is saved at once, so a committed import is on record even if the rest fails.
    if imports.run(book, connection or Connection(url=cfg.url, language=cfg.language, timeout=imports.TIMEOUT),
                   cfg.language, summary):
        save(book)
    t = summary.timed("imports", t)
    sheet = table_sheet(book, CLIENTS)
    refs = References.pull(conn)
    t = summary.timed("request", t)
    rows = read_rows(sheet, CLIENTS)
    snapshot = read_snapshot(book, CLIENTS)
    t = summary.timed("read", t)
    ops, by_ref, local = _diff(rows, snapshot, refs, cfg, summary)
    t = summary.timed("diff", t)
    kept: dict[str, tuple[Row, str]] = dict(local)   # ref → (the user's row, status)
    if ops:
        answer = conn.post("/api/v1/clients/batch", {"rows": ops})
        t = summary.timed("request", t)
        _answers(answer["results"], by_ref, snapshot, refs, cfg, summary, kept)
    bottom = max((r.number for r in rows), default=FIRST_ROW - 1)
    # Done with what was read and sent (kept holds the rows that stay as typed): 100,000 rows of it
    # need not stay in memory beside the pull.
    del rows, snapshot, ops, by_ref
    pulled = conn.get("/api/v1/clients/export", params={"format": "json"})["items"]
    summary.pulled = len(pulled)
    t = summary.timed("pull", t)
    body, snap = _layout(pulled, kept, refs)
    del pulled  # the body and snapshot hold what the sheet needs of it
    write_rows(sheet, CLIENTS, body, bottom)
    write_snapshot(book, CLIENTS, snap)
    for name, values in refs.lists().items():
        write_list(book, name, values)
    sheet.range((2, 1)).value = summary.line(cfg.language)
    t = summary.timed("write", t)
    save(book)
    summary.timed("save", t)
    return summary


class References:
    """The company's lists, and the ids behind what the sheet shows (branch codes, manager emails)."""

    def __init__(self, branches: dict[str, int], managers: dict[str, int], segments: list[str],
                 lead_sources: list[str], tags: list[str]):
        self.branches, self.managers = branches, managers
        self.segments, self.lead_sources, self.tags = segments, lead_sources, tags
        self.branch_codes = {v: k for k, v in branches.items()}
        self.manager_emails = {v: k for k, v in managers.items()}

    @classmethod
    def pull(cls, conn: Any) -> "References":
        def items(path: str) -> list[dict[str, Any]]:
            try:
                return conn.get(path)["items"]
            except ClientBaseError:  # a role that may not list these (sales cannot list users)
                return []
        return cls(
            branches={b["code"]: b["id"] for b in items("/api/v1/branches")},
            managers={u["email"]: u["id"] for u in items("/api/v1/users")},
            segments=[s["code"] for s in items("/api/v1/segments")],
            lead_sources=[s["code"] for s in items("/api/v1/lead-sources")],
            tags=[t["name"] for t in items("/api/v1/tags")],
        )

    def lists(self) -> dict[str, list[str]]:
        out = {"segments": self.segments, "lead_sources": self.lead_sources, "tags": self.tags,
               "branches": sorted(self.branches)}
        if self.managers:
            out["managers"] = sorted(self.managers)
        return out


# --- sheet rows → batch rows -----------------------------------------------------------------------

def _diff(rows: list[Row], snapshot: dict[int, dict[str, Any]], refs: References, cfg: Config,
          summary: Summary) -> tuple[list[dict[str, Any]], dict[str, tuple[str, Row | dict[str, Any]]],
                                     dict[str, tuple[Row, str]]]:
    """The batch to send, what each of its refs stands for, and the rows refused before sending (ref → the
    row and its status)."""
    ops: list[dict[str, Any]] = []
    by_ref: dict[str, tuple[str, Row | dict[str, Any]]] = {}
    local: dict[str, tuple[Row, str]] = {}
    seen: set[int] = set()
    for row in rows:
        ref = f"row {row.number}"
        if row.id is None:
            bad = _not_yes_no(row, EDITABLE, cfg.language)
            if bad:
                local[f"flag {row.number}"] = (row, bad)
                summary.refused += 1
                continue
            ops.append({"op": "create", "ref": ref, "data": _data(row.values, None, refs)})
            by_ref[ref] = ("create", row)
            continue
        seen.add(row.id)
        before = snapshot.get(row.id)
        if before is None:
            # An id the last pull did not write (pasted from another copy): nothing to compare it with,
            # so it is not sent, and it stays as typed with the reason.
            local[f"stray {row.number}"] = (row, _say("stray", cfg.language))
            summary.refused += 1
            continue
        # the same text needs no converting (most cells of most rows): text() only where they differ
        changed = [k for k in EDITABLE if not _same(row.values.get(k), before.get(k))]
        bad = _not_yes_no(row, changed, cfg.language)
        if bad:
            local[f"flag {row.number}"] = (row, bad)
            summary.refused += 1
            continue
        if changed:
            ops.append({"op": "update", "ref": ref, "id": row.id, "version": row.version or before.get("version"),
                        "data": _data(row.values, before, refs, changed)})
            by_ref[ref] = ("update", row)
    strays = [ref for ref in local if ref.startswith("stray")]
    if strays:
        # A row whose ID was typed over looks like a deleted row plus a stray one: archive nothing this time.
        if any(i not in seen for i in snapshot):
            held = _say("held_archives", cfg.language, ids=", ".join(text(local[r][0].values.get("id")) or ""
                                                                      for r in strays))
            for ref in strays:
                local[ref] = (local[ref][0], f"{local[ref][1]} {held}")
        return ops, by_ref, local
    for client_id, before in snapshot.items():
        if client_id not in seen:
            ref = f"archive {client_id}"
            ops.append({"op": "archive", "ref": ref, "id": client_id, "version": int(before["version"])})
            by_ref[ref] = ("archive", before)
    return ops, by_ref, local


def _not_yes_no(row: Row, keys: list[str], language: str) -> Optional[str]:
    """Why a yes/no cell among `keys` is refused: a word other than yes or no would be saved as no."""
    for c in CLIENTS.columns:
        value = text(row.values.get(c.key))
        if c.kind == "flag" and c.key in keys and value is not None and not is_yes_or_no(value):
            return _say("not_yes_no", language, field=c.label(language), value=value)
    return None


def _same(mine: Any, theirs: Any) -> bool:
    """text(mine) == text(theirs), without text() where both are the same str or both None."""
    if mine is theirs or mine.__class__ is str and theirs.__class__ is str and mine == theirs:
        return True
    return text(mine) == text(theirs)


def _data(values: dict[str, Any], before: Optional[dict[str, Any]], refs: References,
          changed: Optional[list[str]] = None) -> dict[str, Any]:
    """The fields of a create (all given) or an update (only those changed), as the API takes them."""
    more = json.loads(text((before or {}).get("more")) or "{}")
    v = {k: text(values.get(k)) for k in EDITABLE}
    fields: dict[str, Any] = {}
    wanted = set(changed) if changed is not None else {k for k, val in v.items() if val is not None}
    for key in ("name", "legal_name", "kind", "person_type", "country", "tax_id", "segment", "lead_source", "notes"):
        if key in wanted:
            fields[key] = v[key]
    if wanted & {"phone", "phone2"}:
        old = more.get("phones") or []
        fields["phones"] = _replace_first(old, [v["phone"], v["phone2"]], "number")
    if "email" in wanted:
        fields["emails"] = _replace_first(more.get("emails") or [], [v["email"]], "email")
    if wanted & {"city", "address"}:
        old = more.get("addresses") or []
        first = dict(old[0]) if old else {"kind": "actual"}
        first.update({"city": v["city"], "line1": v["address"]})
        keep_first = any(first.get(k) for k in ("city", "line1", "line2", "region", "postal_code"))
        fields["addresses"] = ([first] if keep_first else []) + old[1:]
    if "manager" in wanted:
        fields["manager_id"] = refs.managers.get(v["manager"]) if v["manager"] else None
        if v["manager"] and fields["manager_id"] is None:
            fields["manager_id"] = v["manager"]  # the server names it: not an id
    if "branch" in wanted:
        fields["branch_id"] = refs.branches.get(v["branch"], v["branch"]) if v["branch"] else None
    if "tags" in wanted:
        fields["tags"] = [t.strip() for t in (v["tags"] or "").split(",") if t.strip()]
    if "consent" in wanted:
        fields["consent_to_mailings"] = is_yes(v["consent"])
    if changed is None:
        fields.setdefault("kind", "client")
    return fields


def _replace_first(old: list[dict[str, Any]], shown: list[Optional[str]], key: str) -> list[dict[str, Any]]:
    """The list with its first entries set to what the row shows (blank removes), the rest kept."""
    out = []
    for i, value in enumerate(shown):
        if value:
            entry = dict(old[i]) if i < len(old) else {}
            entry[key] = value
            out.append(entry)
    return out + [dict(e) for e in old[len(shown):]]


# --- answers → status cells ---------------------------------------------------------------------

def _answers(results: list[dict[str, Any]], by_ref: dict[str, tuple[str, Any]], snapshot: dict[int, dict[str, Any]],
             refs: References, cfg: Config, summary: Summary, kept: dict[str, tuple[Row, str]]) -> None:
    lang = cfg.language
    for r in results:
        op, source = by_ref[r["ref"]]
        if r["status"] == "ok":
            counter = DONE[op]
            setattr(summary, counter, getattr(summary, counter) + 1)
            continue
        reasons = "; ".join(f"{_label(e['field'], lang)}: {e['message']}" for e in r.get("errors") or [])
        if r["status"] == "conflict" and op == "update":
            summary.conflicts += 1
            theirs = _cells(r["current"], refs)
            diffs = [_say("yours_theirs", lang, field=_label(k, lang), yours=text(source.values.get(k)) or "",
                          theirs=text(theirs.get(k)) or "")
                     for k in EDITABLE if text(source.values.get(k)) != text(theirs.get(k))]
            kept[r["ref"]] = (source, _say("conflict", lang, fields="; ".join(diffs)))
            continue
        summary.refused += 1
        if op == "archive":
            kept[r["ref"]] = (Row(0, dict(source)), _say("archive_refused", lang, reasons=reasons or r["status"]))
        else:
            kept[r["ref"]] = (source, _say("refused", lang, reasons=reasons or r["status"]))


def _label(field: str, language: str) -> str:
    key = field.removeprefix("data.").split(".", 1)[0]
    key = {"phones": "phone", "emails": "email", "addresses": "address", "manager_id": "manager",
           "branch_id": "branch", "consent_to_mailings": "consent"}.get(key, key)
    for c in CLIENTS.columns:
        if c.key == key:
            return c.label(language)
    return field


# --- server records → sheet rows ----------------------------------------------------------------

def _cells(c: dict[str, Any], refs: References) -> dict[str, Any]:
    """A pulled client as the row shows it; what the row cannot show goes to the hidden `more` cell."""
    phones = [p if isinstance(p, dict) else {"number": p} for p in c.get("phones") or []]
    emails = [e if isinstance(e, dict) else {"email": e} for e in c.get("emails") or []]
    addresses = c.get("addresses") or []
    first = addresses[0] if addresses else {}
    return {
        "id": c["id"], "status": None, "name": c["name"], "legal_name": c.get("legal_name"), "kind": c.get("kind"),
        "person_type": c.get("person_type"), "country": c.get("country"), "tax_id": c.get("tax_id"),
        "phone": phones[0]["number"] if phones else None, "phone2": phones[1]["number"] if len(phones) > 1 else None,
        "email": emails[0]["email"] if emails else None, "city": first.get("city"), "address": first.get("line1"),
        "segment": c.get("segment"), "lead_source": c.get("lead_source"),
        "manager": refs.manager_emails.get(c.get("manager_id"), c.get("manager_id")),
        "branch": refs.branch_codes.get(c.get("branch_id"), c.get("branch_id")),
        "tags": ", ".join(c.get("tags") or []) or None,
        "consent": "yes" if c.get("consent_to_mailings") else "no", "notes": c.get("notes"),
        "version": c["version"],
        "more": json.dumps({"phones": phones, "emails": emails, "addresses": addresses}, ensure_ascii=False),
    }


def _layout(pulled: list[dict[str, Any]], kept: dict[str, tuple[Row, str]],
            refs: References) -> tuple[list[list[Any]], list[list[Any]]]:
    """The table body and the snapshot: the server's rows, with the user's refused rows in their place."""
    keys = CLIENTS.keys
    server = {c["id"]: _cells(c, refs) for c in pulled}
    mine = {row.id: (row, status) for row, status in kept.values() if row.id is not None}
    body, snap = [], []
    for client_id, cells in server.items():
        snap.append([cells[k] for k in keys])
        if client_id in mine:
            row, status = mine.pop(client_id)
            values = dict(row.values)
            values.update(status=status, version=cells["version"], more=cells["more"])
            body.append([values.get(k) for k in keys])
        else:
            body.append([cells[k] for k in keys])
    # Refused new rows, and refused rows the server no longer lists, stay at the bottom as typed.
    for row, status in list(mine.values()) + [(r, s) for r, s in kept.values() if r.id is None]:
        values = dict(row.values)
        values["status"] = status
        body.append([values.get(k) for k in keys])
    return body, snap
