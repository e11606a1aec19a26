"""clients.xlsm's Import sheet: each row asks the server to dry-run, commit or undo a spreadsheet import.

The sheet is a request list, not a synced table: no snapshot, nothing pulled over it. The user types
File, Kind, Profile, Skip errors and Action; the Sync sends each row that has an Action, writes the
server's answer into Import ID, Status, Counts and Report, and clears Action once it is done. A
refused row keeps every typed cell, Action included, with the reason in Status; the next Sync asks
again. What an import does (mapping, checks, duplicates, all or nothing) is the server's: this
module reads a file, calls the API and writes answers.
"""
from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from .connection import ClientBaseError
from .layout import IMPORTS, LABELLED_LISTS, LANGUAGES, choice_code, choice_labels
from .sync import Row, Summary, is_yes, is_yes_or_no, read_rows, safe_cell, table_sheet, text

# The largest file sent: the server's upload limit (server/imports/schemas.py MAX_UPLOAD, also its
# IMPORT_MAX_BYTES default). A test keeps the two equal; past it the file is not even read.
MAX_FILE = 40 * 1024 * 1024
# A dry run or commit of a long list takes longer than an ordinary request.
TIMEOUT = 600.0
# The errors of a refused commit shown in Status; the report has them all.
SHOWN_ERRORS = 5
# The cells the Sync writes, in sheet order (they are adjacent: one write per row).
ANSWER = ("import_id", "status", "counts", "report")

MESSAGES = {
    "planned": ("planned: {create} to create, {update} to update, {unchanged} unchanged, {skip} skipped, "
                "{error} with errors. Read the report, then choose «{commit}».",
                "បានសាកល្បង៖ បង្កើត {create} ធ្វើបច្ចុប្បន្នភាព {update} មិនផ្លាស់ប្តូរ {unchanged} រំលង {skip} "
                "មានកំហុស {error}។ អានរបាយការណ៍ រួចជ្រើស «{commit}»។",
                "проверено: создать {create}, обновить {update}, без изменений {unchanged}, пропустить {skip}, "
                "с ошибками {error}. Посмотрите отчёт и выберите «{commit}»."),
    "committed": ("committed: {create} created, {update} updated, {unchanged} unchanged, {skip} skipped, "
                  "{error} with errors left out.",
                  "បានបញ្ចូល៖ បង្កើត {create} ធ្វើបច្ចុប្បន្នភាព {update} មិនផ្លាស់ប្តូរ {unchanged} រំលង {skip} "
                  "ជួរមានកំហុសមិនបានបញ្ចូល {error}។",
                  "загружено: создано {create}, обновлено {update}, без изменений {unchanged}, пропущено {skip}, "
                  "строк с ошибками не загружено: {error}."),
    "undone": ("undone: what import {id} created is removed, what it changed is put back.",
               "បានមិនធ្វើវិញ៖ អ្វីដែលការនាំចូល {id} បានបង្កើតត្រូវបានលុប អ្វីដែលវាបានកែប្រែត្រូវបានដាក់វិញ។",
               "отменено: созданное загрузкой {id} удалено, изменённое возвращено."),
    "counts": ("create {create} · update {update} · unchanged {unchanged} · skip {skip} · error {error} · rows {rows}",
               "បង្កើត {create} · ធ្វើបច្ចុប្បន្នភាព {update} · មិនផ្លាស់ប្តូរ {unchanged} · រំលង {skip} · "
               "កំហុស {error} · ជួរ {rows}",
               "создать {create} · обновить {update} · без изменений {unchanged} · пропустить {skip} · "
               "ошибки {error} · строк {rows}"),
    "refused": ("Not done: {reason}", "មិនបានធ្វើ៖ {reason}", "Не выполнено: {reason}"),
    "no_file": ("type the path of the spreadsheet in File.", "សូមវាយផ្លូវនៃឯកសារតារាងក្នុង ឯកសារ។",
                "укажите путь к таблице в столбце «Файл»."),
    "not_found": ("there is no file {path}.", "មិនមានឯកសារ {path} ទេ។", "файла {path} нет."),
    "too_large": ("{path} is larger than {mb} MB, the most an import takes: split it.",
                  "{path} ធំជាង {mb} MB ដែលជាទំហំធំបំផុតនៃការនាំចូល៖ សូមបំបែកវា។",
                  "{path} больше {mb} МБ — предела загрузки: разделите его."),
    "unreadable": ("{path} cannot be read: {reason}.", "មិនអាចអាន {path} បានទេ៖ {reason}។",
                   "{path} не читается: {reason}."),
    "no_kind": ("choose in Kind what the file holds: {kinds}.", "សូមជ្រើសក្នុង ប្រភេទទិន្នន័យ ថាឯកសារមានអ្វី៖ {kinds}។",
                "выберите в «Вид данных», что в файле: {kinds}."),
    "no_id": ("«{action}» needs the Import ID of a dry run: choose «{dry_run}» first.",
              "«{action}» ត្រូវការលេខនាំចូលនៃការសាកល្បង៖ សូមជ្រើស «{dry_run}» ជាមុនសិន។",
              "для «{action}» нужен ID загрузки из проверки: сначала выберите «{dry_run}»."),
    "bad_id": ("the Import ID «{value}» is not a number.", "លេខនាំចូល «{value}» មិនមែនជាលេខទេ។",
               "ID загрузки «{value}» — не число."),
    "bad_action": ("there is no action «{value}»: choose {actions}.",
                   "មិនមានសកម្មភាព «{value}» ទេ៖ សូមជ្រើស {actions}។",
                   "действия «{value}» нет: выберите {actions}."),
    "not_yes_no": ("{field}: «{value}» is neither yes nor no.", "{field}៖ «{value}» មិនមែន បាទ/ចាស ឬ ទេ។",
                   "{field}: «{value}» — не «да» и не «нет»."),
    "row_error": ("row {row}, column {column}: {message}", "ជួរ {row} ជួរឈរ {column}៖ {message}",
                  "строка {row}, столбец {column}: {message}"),
    "row_only": ("row {row}: {message}", "ជួរ {row}៖ {message}", "строка {row}: {message}"),
    "more": ("… and {count} more: see the report.", "… និង {count} ទៀត៖ មើលរបាយការណ៍។",
             "… и ещё {count}: см. отчёт."),
    "no_report": ("The report was not saved: {reason}", "របាយការណ៍មិនត្រូវបានរក្សាទុកទេ៖ {reason}",
                  "Отчёт не сохранён: {reason}"),
}


class Refused(Exception):
    """A row the workbook cannot send as it stands (no file, no Import ID…): its Status says why."""


def _say(key: str, language: str, **params: Any) -> str:
    return MESSAGES[key][LANGUAGES.index(language)].format(**params)


def run(book: Any, conn: Any, language: str, summary: Summary) -> bool:
    """Answer every Import row that has an Action; True when any row was sent or refused."""
    try:
        sheet = table_sheet(book, IMPORTS)
    except LookupError:  # a clients.xlsm built before the Import sheet existed
        return False
    folder = Path(book.fullname).resolve().parent
    asked = [row for row in read_rows(sheet, IMPORTS) if text(row.values.get("action"))]
    for row in asked:
        answer = {k: row.values.get(k) for k in ANSWER}
        done = _one(row, answer, conn, language, folder)
        sheet.range((row.number, IMPORTS.index(ANSWER[0]) + 1)).value = [safe_cell(answer[k]) for k in ANSWER]
        if done:
            sheet.range((row.number, IMPORTS.index("action") + 1)).value = None
            summary.requests_done += 1
        else:
            summary.requests_refused += 1
    if asked:
        sheet.range((2, 1)).value = summary.requests_line(language)
    return bool(asked)


def _one(row: Row, answer: dict[str, Any], conn: Any, lang: str, folder: Path) -> bool:
    """Do what the row asks, filling `answer`'s cells; False (with Status saying why) when it was refused.

    Only Status changes on a refusal: the Import ID of an earlier dry run stays, so it can still
    be committed or undone.
    """
    v = row.values
    typed = text(v.get("action"))
    action = choice_code("import_actions", typed)
    try:
        if action is None:
            actions = ", ".join(f"«{label}»" for label in choice_labels("import_actions", lang))
            raise Refused(_say("bad_action", lang, value=typed, actions=actions))
        if not is_yes_or_no(v.get("skip_errors")):     # read as "no", it would commit without the rows asked for
            column = IMPORTS.columns[IMPORTS.index("skip_errors")]
            raise Refused(_say("not_yes_no", lang, field=column.label(lang), value=text(v.get("skip_errors"))))
        if action == "dry_run":
            _dry_run(v, answer, conn, lang, folder)
            return True
        import_id = _import_id(v.get("import_id"), action, lang)
        current = conn.get(f"/api/v1/imports/{import_id}")
        if action == "commit":
            imp = conn.post(f"/api/v1/imports/{import_id}/commit",
                            {"version": current["version"], "skip_errors": is_yes(v.get("skip_errors"))})
            answer["status"] = _say("committed", lang, **_counts(imp))
        else:
            imp = conn.post(f"/api/v1/imports/{import_id}/undo", {"version": current["version"]})
            answer["status"] = _say("undone", lang, id=imp["id"])
        answer["counts"] = _say("counts", lang, **_counts(imp))
        return True
    except Refused as exc:
        answer["status"] = _say("refused", lang, reason=str(exc))
    except ClientBaseError as exc:
        answer["status"] = _say("refused", lang, reason=_reason(exc, lang))
    return False


def _dry_run(v: dict[str, Any], answer: dict[str, Any], conn: Any, lang: str, folder: Path) -> None:
    """Send the file to be planned; the plan's counts to the row, its report beside the workbook."""
    typed = text(v.get("kind"))
    if not typed:
        kinds = ", ".join(f"«{label}»" for label in choice_labels("import_kinds", lang))
        raise Refused(_say("no_kind", lang, kinds=kinds))
    path = _file(v.get("file"), folder, lang)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise Refused(_say("unreadable", lang, path=path, reason=exc.strerror or exc)) from None
    # A kind the dropdown does not know is sent as typed: the server names the kinds there are.
    body: dict[str, Any] = {"kind": choice_code("import_kinds", typed) or typed, "file_name": path.name,
                            "content_base64": base64.b64encode(content).decode("ascii")}
    if text(v.get("profile")):
        body["profile"] = text(v.get("profile"))
    imp = conn.post("/api/v1/imports", body)
    counts = _counts(imp)
    answer.update(import_id=imp["id"], counts=_say("counts", lang, **counts), report=None,
                  status=_say("planned", lang, commit=_label("commit", lang), **counts))
    name = f"{path.stem}.import-{imp['id']}.report.xlsx"
    try:
        content = conn.get_bytes(f"/api/v1/imports/{imp['id']}/report?format=xlsx&language={lang}")
        (folder / name).write_bytes(content)
    except ClientBaseError as exc:
        answer["status"] += " " + _say("no_report", lang, reason=str(exc))
    except OSError as exc:  # e.g. a report of the same name open in Excel
        answer["status"] += " " + _say("no_report", lang, reason=exc.strerror or exc)
    else:
        answer["report"] = name


def _file(value: Any, folder: Path, lang: str) -> Path:
    """The typed path, absolute or relative to the workbook's folder; refused if missing or too large."""
    typed = text(value)
    if not typed:
        raise Refused(_say("no_file", lang))
    path = Path(typed.strip('"')).expanduser()  # Explorer's "Copy as path" adds the quotes
    path = path if path.is_absolute() else folder / path
    try:
        if not path.is_file():
            raise Refused(_say("not_found", lang, path=path))
        size = path.stat().st_size
    except OSError as exc:
        raise Refused(_say("unreadable", lang, path=path, reason=exc.strerror or exc)) from None
    if size > MAX_FILE:
        raise Refused(_say("too_large", lang, path=path, mb=MAX_FILE // (1024 * 1024)))
    return path


def _import_id(value: Any, action: str, lang: str) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Refused(_say("no_id", lang, action=_label(action, lang), dry_run=_label("dry_run", lang)))
    try:
        return int(text(value) or "")
    except ValueError:
        raise Refused(_say("bad_id", lang, value=text(value))) from None


def _counts(imp: dict[str, Any]) -> dict[str, int]:
    counts = imp.get("counts") or {}
    return {k: int(counts.get(k) or 0) for k in ("create", "update", "unchanged", "skip", "error", "rows")}


def _reason(exc: Any, lang: str) -> str:
    """The server's translated message; a row's errors ("rows.9.C") as row and column, the first few only."""
    errors = exc.errors
    if not errors:
        return exc.message
    title = str(exc.problem.get("title") or exc.message)
    shown = []
    for e in errors[:SHOWN_ERRORS]:
        field, message = str(e.get("field") or ""), str(e.get("message") or e.get("code") or "")
        parts = field.split(".")
        if len(parts) in (2, 3) and parts[0] == "rows" and parts[1].isdigit():
            shown.append(_say("row_error", lang, row=parts[1], column=parts[2], message=message) if len(parts) == 3
                         else _say("row_only", lang, row=parts[1], message=message))
        else:
            shown.append(f"{field}: {message}" if field else message)
    out = f"{title} " + "; ".join(shown)
    if len(errors) > SHOWN_ERRORS:
        out += " " + _say("more", lang, count=len(errors) - SHOWN_ERRORS)
    return out


def _label(code: str, lang: str) -> str:
    """An action as the workbook's dropdown shows it."""
    return dict(LABELLED_LISTS["import_actions"])[code][LANGUAGES.index(lang)]
