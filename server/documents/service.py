"""The documents' rules: which template, which number, registering the paper, its signing, the gaps, the package."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..audit import records
from ..audit.service import log_change, log_created
from ..catalog.models import Product
from ..core import dates
from ..core.actor import Actor
from ..core.errors import (
    Conflict,
    DomainError,
    ErrorList,
    FieldError,
    NotFound,
    ValidationFailed,
)
from ..finance.service import get_payment
from ..org.models import Company, User
from ..parties.models import Counterparty
from ..sales.models import Invoice, Order
from ..sales.numbering import next_number
from ..sales.orders import get_order
from ..sales.service import get_invoice
from . import context as builders
from . import pdf
from .engine import (
    ENV,
    CompiledTemplate,
    TemplateProblem,
    check_template,
    compile_template,
)
from .kinds import (
    CONTRACT_KINDS,
    KINDS,
    LANGUAGES,
    REGISTERED_SOURCES,
    Kind,
    sample_context,
)
from .kinds import kind as kind_of
from .models import (
    SIGNING,
    STATUSES,
    CompanyTemplate,
    Document,
    DocumentFile,
    DocumentStatusChange,
)

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
# Papers are made of sales invoices only: a credit note is not an invoice, and a bill is the supplier's paper.
SALES_KINDS = ("sale_invoice",)


# --- templates ------------------------------------------------------------------------------------

def shipped_template_path(kind_code: str, language: str) -> Path:
    k = kind_of(kind_code)
    return TEMPLATES_DIR / k.family / f"{k.code}.{language}.docx"


_COMPILED: "OrderedDict[str, CompiledTemplate]" = OrderedDict()


def compiled(data: bytes) -> CompiledTemplate:
    """A compiled template from a small per-process cache keyed by the file's hash."""
    key = hashlib.sha256(data).hexdigest()
    hit = _COMPILED.get(key)
    if hit is None:
        hit = _COMPILED[key] = compile_template(data)
        while len(_COMPILED) > 64:
            _COMPILED.popitem(last=False)
    else:
        _COMPILED.move_to_end(key)
    return hit


def template_for(session: Session, company_id: int, kind_code: str, language: str) -> tuple[str, bytes]:
    """(label, bytes) of the template in use: the company's default for the kind and language, else the shipped one."""
    return builders.memo(session, ("template", company_id, kind_code, language),
                         lambda: _template_for(session, company_id, kind_code, language))


def _template_for(session: Session, company_id: int, kind_code: str, language: str) -> tuple[str, bytes]:
    own = session.scalars(
        select(CompanyTemplate).where(
            CompanyTemplate.company_id == company_id, CompanyTemplate.kind == kind_code,
            CompanyTemplate.language == language, CompanyTemplate.is_default.is_(True),
            CompanyTemplate.archived_at.is_(None))
    ).first()
    if own is not None:
        return f"company:{own.id}", own.content
    return f"shipped:{kind_code}.{language}", shipped_template_path(kind_code, language).read_bytes()


def _problems_as_errors(exc: TemplateProblem, field: str = "file") -> ValidationFailed:
    errors = ErrorList()
    for p in exc.problems:
        errors.add(field, f"template_{p['code']}", detail=p["detail"],
                   **{k: v for k, v in p.items() if k not in ("code", "detail") and v is not None})
    return ValidationFailed(errors=errors.items)


def upload_template(session: Session, actor: Actor, kind_code: str, language: str, name: str, data: bytes,
                    is_default: bool) -> CompanyTemplate:
    """Check a company's own template (it opens, is safe, uses only its kind's variables, renders) and keep it."""
    try:
        checked = check_template(data, kind_code, language)
    except TemplateProblem as exc:
        raise _problems_as_errors(exc) from None
    if session.scalar(select(CompanyTemplate.id).where(
            CompanyTemplate.company_id == actor.company_id, CompanyTemplate.kind == kind_code,
            CompanyTemplate.language == language, CompanyTemplate.name == name)) is not None:
        raise Conflict("duplicate", errors=_error("name", "already_exists"))
    if is_default:
        _clear_default(session, actor, kind_code, language)
    tpl = CompanyTemplate(
        company_id=actor.company_id, kind=kind_code, language=language, name=name, is_default=is_default,
        sha256=hashlib.sha256(data).hexdigest(), size=len(data), variables=sorted(_used_variables(checked)),
        content=data, created_at=dates.now(), created_by=actor.user_id,
    )
    return records.create(session, actor, tpl, "document_template")


def _error(field: str, code: str, **params: Any) -> list[FieldError]:
    return [FieldError(field, code, params)]


def _used_variables(template: CompiledTemplate) -> set[str]:
    from jinja2 import meta

    names: set[str] = set()
    for source in template.sources.values():
        names |= meta.find_undeclared_variables(ENV.parse(source))
    return names


def _clear_default(session: Session, actor: Actor, kind_code: str, language: str) -> None:
    for other in session.scalars(select(CompanyTemplate).where(
            CompanyTemplate.company_id == actor.company_id, CompanyTemplate.kind == kind_code,
            CompanyTemplate.language == language, CompanyTemplate.is_default.is_(True))):
        records.change(session, actor, other, {"is_default": False}, "document_template")


def list_templates(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Every kind and language with the template in use: shipped, or the company's own."""
    own = list(session.scalars(select(CompanyTemplate).where(CompanyTemplate.company_id == actor.company_id,
                                                             CompanyTemplate.archived_at.is_(None))
                               .order_by(CompanyTemplate.kind, CompanyTemplate.language, CompanyTemplate.name)))
    return [{"kind": k, "language": lang, "shipped": f"{KINDS[k].family}/{k}.{lang}.docx",
             "company_templates": [t for t in own if t.kind == k and t.language == lang]}
            for k in KINDS for lang in LANGUAGES]


def get_template(session: Session, actor: Actor, template_id: int) -> CompanyTemplate:
    return records.get_owned(session, actor, CompanyTemplate, template_id, "document_template")


def set_default_template(session: Session, actor: Actor, template_id: int, version: int, is_default: bool) -> CompanyTemplate:
    tpl = get_template(session, actor, template_id)
    records.check_version(tpl, version, lambda t: {"id": t.id, "version": t.version})
    if is_default:
        _clear_default(session, actor, tpl.kind, tpl.language)
    return records.change(session, actor, tpl, {"is_default": is_default}, "document_template")


def archive_template(session: Session, actor: Actor, template_id: int, version: int) -> CompanyTemplate:
    tpl = get_template(session, actor, template_id)
    records.check_version(tpl, version, lambda t: {"id": t.id, "version": t.version})
    records.change(session, actor, tpl, {"is_default": False}, "document_template")
    return records.archive(session, actor, tpl, "document_template")


def preview(session: Session, actor: Actor, kind_code: str, language: str, data: Optional[bytes] = None,
            source_id: Optional[int] = None) -> bytes:
    """A filled document that is not registered: sample data, or a real source's data under the number PREVIEW."""
    if data is None:
        _label, data = template_for(session, actor.company_id, kind_code, language)
    try:
        tpl = check_template(data, kind_code, language)
    except TemplateProblem as exc:
        raise _problems_as_errors(exc) from None
    k = kind_of(kind_code)
    if source_id is None:
        ctx = sample_context(kind_code, language)
    else:
        source = _source(session, actor, k, source_id)
        ctx = _context(session, actor, k, source, "PREVIEW", dates.today(), language)
    return tpl.render(builders.with_codes(ctx))


# --- generating and registering -------------------------------------------------------------------

@dataclass
class Plan:
    """What one document will be before it is rendered: kind, source, number, context."""
    kind: Kind
    source: Any
    language: str
    number: str
    series_id: Optional[int]
    seq: Optional[int]
    day: dt.date
    context: dict[str, Any]
    template_label: str
    template: bytes
    existing: Optional[Document] = None

    @property
    def reused(self) -> bool:
        """A paper registered before and not regenerated: its stored file is the document."""
        return self.existing is not None and not self.context

    def job(self) -> tuple[bytes, dict[str, Any], str, str]:
        """What rendering needs (a pool worker too): template, context, and the total and currency the QR carries."""
        totals, payment = self.context.get("totals") or {}, self.context.get("payment") or {}
        return (self.template, self.context, totals.get("total") or payment.get("amount", ""),
                totals.get("currency") or payment.get("currency", ""))


def preload(session: Session, actor: Actor, kind_code: str, source_ids: list[int]) -> None:
    """Load a batch chunk's sources with their lines in two queries, so planning each finds them in the session."""
    k = kind_of(kind_code)
    model = {"invoice": Invoice, "order": Order}.get(k.source)
    if model is not None and source_ids:
        # Held in the session's info: its identity map keeps objects only while something refers to them.
        session.info.setdefault("cb_documents", {})["preloaded"] = list(session.scalars(
            select(model).where(model.company_id == actor.company_id, model.id.in_(source_ids))
            .options(selectinload(model.lines))))


def _source(session: Session, actor: Actor, k: Kind, source_id: int) -> Any:
    if k.source not in REGISTERED_SOURCES:  # payslips: made and served by the payroll API
        raise ValidationFailed(errors=_error("kind", "kind_not_registered", kind=k.code))
    if k.source == "invoice":
        inv = get_invoice(session, actor, source_id)
        if inv.kind not in SALES_KINDS:
            raise DomainError("not_found", status=404, params={"entity": "invoice", "id": source_id})
        return inv
    if k.source == "order":
        return get_order(session, actor, source_id)
    payment = get_payment(session, actor, source_id)
    if payment.kind != "receipt" or payment.counterparty_id is None:
        raise ValidationFailed(errors=_error("source_id", "not_a_receipt", id=source_id))
    return payment


def _context(session: Session, actor: Actor, k: Kind, source: Any, number: str, day: dt.date,
             language: str) -> dict[str, Any]:
    company = session.get_one(Company, actor.company_id)
    build = {"invoice": builders.invoice_context, "order": builders.order_context,
             "payment": builders.payment_context}[k.source]
    return build(session, k, company, source, number, day, language)


def _source_filter(k: Kind, source: Any) -> Any:
    column = {"invoice": Document.invoice_id, "order": Document.order_id, "payment": Document.payment_id}[k.source]
    return column == source.id


def _existing(session: Session, actor: Actor, k: Kind, source: Any) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.company_id == actor.company_id,
                                                       Document.kind == k.code, _source_filter(k, source))
                                .order_by(Document.id)))


def plan(session: Session, actor: Actor, kind_code: str, source_id: int, language: Optional[str] = None,
         regenerate: bool = False) -> Plan:
    """Decide a document's number and context; registers nothing. The number is taken here (gap-free)."""
    k = kind_of(kind_code)
    source = _source(session, actor, k, source_id)
    company = session.get_one(Company, actor.company_id)
    language = language or company.language
    if k.source == "invoice" and source.status not in ("posted", "paid"):
        raise Conflict("invoice_not_posted", params={"id": source.id, "status": source.status})
    if k.source == "order" and source.status == "cancelled":
        raise Conflict("order_cancelled", params={"id": source.id})
    if k.source == "payment" and source.status != "posted":
        raise Conflict("payment_not_posted", params={"id": source.id, "status": source.status})
    existing = _existing(session, actor, k, source)
    same = next((d for d in existing if d.language == language), None)
    if same is not None and regenerate and same.status != "drafted":
        raise Conflict("document_sent", params={"number": same.number, "status": same.status})
    label, data = template_for(session, actor.company_id, k.code, language)
    if same is not None and not regenerate:  # reused as registered: nothing to build or render
        return Plan(k, source, language, same.number, same.series_id, same.seq, same.date, {}, label, data, same)
    if same is not None:
        number, series_id, seq, day = same.number, same.series_id, same.seq, same.date
    elif existing:  # the same paper in another language keeps its number
        first = existing[0]
        number, series_id, seq, day = first.number, first.series_id, first.seq, first.date
    elif k.source == "invoice":
        number, series_id, seq, day = source.number, None, None, source.date
    else:
        day = dates.today()
        number, seq, series_id = next_number(session, actor.company_id, source.branch_id, f"doc_{k.code}", day.year,
                                             letters=k.series)
    ctx = _context(session, actor, k, source, number, day, language)
    return Plan(k, source, language, number, series_id, seq, day, ctx, label, data, same)


def render_plan(p: Plan) -> bytes:
    """The .docx of a plan (a batch worker runs the same through `batch.render_one`)."""
    template, context, total, cur = p.job()
    try:
        return compiled(template).render(builders.with_codes(context, total, cur))
    except TemplateProblem as exc:
        raise _problems_as_errors(exc, "template") from None


def register(session: Session, actor: Actor, p: Plan, docx: bytes, pdf_bytes: Optional[bytes] = None) -> Document:
    """Record the paper and its file(s); a drafted paper regenerated keeps its number and history."""
    now = dates.now()
    digest = hashlib.sha256(docx).hexdigest()
    source = p.source
    if p.existing is not None:
        doc = p.existing
        if doc.sha256 != digest or pdf_bytes is not None:
            before = present(doc)
            doc.sha256, doc.size, doc.template = digest, len(docx), p.template_label
            _store_file(session, doc, "docx", docx, now)
            if pdf_bytes is not None:
                _store_file(session, doc, "pdf", pdf_bytes, now)
            session.flush()
            log_change(session, actor, "document", doc.id, "regenerate", before, present(doc))
        return doc
    party_id = source.counterparty_id
    manager_id = getattr(source, "manager_id", None) or session.scalar(
        select(Counterparty.manager_id).where(Counterparty.id == party_id))
    doc = Document(
        company_id=actor.company_id, branch_id=source.branch_id, kind=p.kind.code, number=p.number,
        series_id=p.series_id, seq=p.seq, date=p.day, counterparty_id=party_id, manager_id=manager_id,
        order_id=source.id if p.kind.source == "order" else getattr(source, "order_id", None),
        invoice_id=source.id if p.kind.source == "invoice" else None,
        payment_id=source.id if p.kind.source == "payment" else None,
        language=p.language, template=p.template_label, filename=filename(p.kind.code, p.number, p.language),
        sha256=digest, size=len(docx), status="drafted", created_at=now, created_by=actor.user_id,
    )
    session.add(doc)
    session.flush()
    _store_file(session, doc, "docx", docx, now)
    if pdf_bytes is not None:
        _store_file(session, doc, "pdf", pdf_bytes, now)
    log_created(session, actor, "document", [(doc.id, present(doc))])
    return doc


def _store_file(session: Session, doc: Document, fmt: str, content: bytes, now: dt.datetime) -> None:
    row = session.scalars(select(DocumentFile).where(DocumentFile.document_id == doc.id,
                                                     DocumentFile.format == fmt)).first()
    digest = hashlib.sha256(content).hexdigest()
    if row is None:
        session.add(DocumentFile(document_id=doc.id, format=fmt, sha256=digest, size=len(content), content=content,
                                 created_at=now))
    else:
        row.sha256, row.size, row.content, row.created_at = digest, len(content), content, now


def filename(kind_code: str, number: str, language: str, fmt: str = "docx") -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in number)
    return f"{kind_code}_{safe}_{language}.{fmt}"


def generate(session: Session, actor: Actor, kind_code: str, source_id: int, language: Optional[str] = None,
             regenerate: bool = False, with_pdf: bool = False) -> Document:
    """Generate (or return the already registered) document of a kind for its source."""
    if with_pdf and not pdf.available():
        raise Conflict("pdf_unavailable")
    p = plan(session, actor, kind_code, source_id, language, regenerate)
    if p.reused:
        if with_pdf and not has_file(session, p.existing, "pdf"):
            add_pdf(session, actor, p.existing, pdf.convert({"doc.docx": stored_docx(session, p.existing)})["doc.docx"])
        return p.existing
    docx = render_plan(p)
    pdf_bytes = pdf.convert({"doc.docx": docx})["doc.docx"] if with_pdf else None
    return register(session, actor, p, docx, pdf_bytes)


def stored_docx(session: Session, doc: Document) -> bytes:
    return session.scalars(select(DocumentFile.content).where(DocumentFile.document_id == doc.id,
                                                              DocumentFile.format == "docx")).one()


def add_pdf(session: Session, actor: Actor, doc: Document, pdf_bytes: bytes) -> None:
    """The PDF of a registered paper, converted from its stored .docx: the paper itself never changes."""
    _store_file(session, doc, "pdf", pdf_bytes, dates.now())
    log_change(session, actor, "document", doc.id, "pdf", None, {"pdf_sha256": hashlib.sha256(pdf_bytes).hexdigest()})


def has_file(session: Session, doc: Document, fmt: str) -> bool:
    return session.scalar(select(DocumentFile.id).where(DocumentFile.document_id == doc.id,
                                                        DocumentFile.format == fmt)) is not None


# --- reading --------------------------------------------------------------------------------------

def present(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id, "kind": doc.kind, "number": doc.number, "date": doc.date.isoformat(), "language": doc.language,
        "counterparty_id": doc.counterparty_id, "order_id": doc.order_id, "invoice_id": doc.invoice_id,
        "payment_id": doc.payment_id, "status": doc.status, "sha256": doc.sha256, "template": doc.template,
        "version": doc.version,
    }


def get_document(session: Session, actor: Actor, document_id: int) -> Document:
    return records.get_owned(session, actor, Document, document_id, "document")


def legal_force(doc: Document) -> Optional[bool]:
    """A contract binds only once both sides signed it; other papers do not carry the flag."""
    if doc.kind not in CONTRACT_KINDS:
        return None
    return STATUSES.index(doc.status) >= STATUSES.index("signed_by_both")


def history(session: Session, doc: Document) -> list[DocumentStatusChange]:
    return list(session.scalars(select(DocumentStatusChange).where(DocumentStatusChange.document_id == doc.id)
                                .order_by(DocumentStatusChange.id)))


def file_of(session: Session, actor: Actor, document_id: int, fmt: str) -> tuple[Document, DocumentFile]:
    doc = get_document(session, actor, document_id)
    row = session.scalars(select(DocumentFile).where(DocumentFile.document_id == doc.id,
                                                     DocumentFile.format == fmt)).first()
    if row is None:
        raise NotFound("not_found", params={"entity": f"document {fmt} file", "id": document_id})
    return doc, row


def list_documents(session: Session, actor: Actor, *, kind: Optional[str] = None, status: Optional[str] = None,
                   counterparty_id: Optional[int] = None, order_id: Optional[int] = None,
                   invoice_id: Optional[int] = None, limit: int = 100, offset: int = 0) -> tuple[int, list[Document]]:
    q = select(Document).where(Document.company_id == actor.company_id)
    if actor.branch_ids:
        q = q.where(Document.branch_id.in_(actor.branch_ids))
    for column, value in ((Document.kind, kind), (Document.status, status), (Document.counterparty_id, counterparty_id),
                          (Document.order_id, order_id), (Document.invoice_id, invoice_id)):
        if value is not None:
            q = q.where(column == value)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    return total, list(session.scalars(q.order_by(Document.date.desc(), Document.id.desc()).limit(limit).offset(offset)))


# --- signing --------------------------------------------------------------------------------------

def set_status(session: Session, actor: Actor, document_id: int, version: int, status: str, on: Optional[dt.date],
               note: Optional[str]) -> Document:
    """Move a paper forward in its signing; steps may be skipped, never undone; the day is not in the future."""
    doc = get_document(session, actor, document_id)
    records.check_version(doc, version, present)
    SIGNING.check(doc, status)
    on = on or dates.today()
    errors = ErrorList()
    if on > dates.today():
        errors.add("on", "date_in_future", max_date=dates.today().isoformat())
    if on < doc.date:
        errors.add("on", "date_too_early", min_date=doc.date.isoformat())
    errors.raise_if_any()
    before = present(doc)
    previous = doc.status
    doc.status = status
    for step in STATUSES[STATUSES.index(previous) + 1:STATUSES.index(status) + 1]:
        if step != "drafted" and getattr(doc, f"{step}_on") is None:
            setattr(doc, f"{step}_on", on)
    session.add(DocumentStatusChange(document_id=doc.id, from_status=previous, to_status=status, on=on, note=note,
                                     changed_at=dates.now(), changed_by=actor.user_id))
    session.flush()
    log_change(session, actor, "document", doc.id, "status", before, present(doc))
    return doc


# --- the gaps -------------------------------------------------------------------------------------

def gaps(session: Session, actor: Actor, as_of: Optional[dt.date] = None, kind: Optional[str] = None,
         manager_id: Optional[int] = None, counterparty_id: Optional[int] = None) -> dict[str, Any]:
    """Every paper whose signed original is not back yet, oldest first, with totals per counterparty and manager."""
    as_of = as_of or dates.today()
    q = (select(Document, Counterparty.name, User.name)
         .join(Counterparty, Counterparty.id == Document.counterparty_id)
         .outerjoin(User, User.id == Document.manager_id)
         .where(Document.company_id == actor.company_id, Document.status != "original_received",
                Document.date <= as_of))
    if actor.branch_ids:
        q = q.where(Document.branch_id.in_(actor.branch_ids))
    for column, value in ((Document.kind, kind), (Document.manager_id, manager_id),
                          (Document.counterparty_id, counterparty_id)):
        if value is not None:
            q = q.where(column == value)
    items = []
    per_party: dict[int, dict[str, Any]] = {}
    per_manager: dict[Optional[int], dict[str, Any]] = {}
    for doc, party_name, manager_name in session.execute(q.order_by(Document.date, Document.id)):
        age = (as_of - doc.date).days
        force = legal_force(doc)
        items.append({
            "id": doc.id, "kind": doc.kind, "number": doc.number, "language": doc.language,
            "date": doc.date.isoformat(), "age_days": age, "status": doc.status,
            "missing": _missing(doc), "legal_force": force, "counterparty_id": doc.counterparty_id,
            "counterparty": party_name, "manager_id": doc.manager_id, "manager": manager_name or "",
        })
        for key, name, table in ((doc.counterparty_id, party_name, per_party),
                                 (doc.manager_id, manager_name or "", per_manager)):
            row = table.setdefault(key, {"id": key, "name": name, "missing": 0, "without_legal_force": 0,
                                         "oldest_days": 0})
            row["missing"] += 1
            row["without_legal_force"] += 1 if force is False else 0
            row["oldest_days"] = max(row["oldest_days"], age)
    order = lambda rows: sorted(rows, key=lambda r: (-r["oldest_days"], -r["missing"], r["name"]))  # noqa: E731
    return {"as_of": as_of.isoformat(), "missing": len(items), "items": items,
            "by_counterparty": order(per_party.values()), "by_manager": order(per_manager.values())}


def _missing(doc: Document) -> str:
    """What is still to come back: our signature, theirs, or only the paper original."""
    if doc.status in ("drafted", "sent"):
        return "signature_ours" if doc.status == "drafted" else "signature_theirs"
    if doc.status == "signed_by_us":
        return "signature_theirs"
    return "original"


# --- the package of an order ----------------------------------------------------------------------

def package_kinds(session: Session, order: Order, invoices: list[Invoice]) -> list[tuple[str, Any]]:
    """The papers an order needs: a contract by what it sells, each posted invoice with its waybill or act and UPD.

    An order with no posted invoice yet gets a proforma instead of an invoice.
    """
    ids = {l.product_id for l in order.lines if l.product_id}
    kinds = set(session.scalars(select(Product.kind).where(Product.id.in_(ids)))) if ids else {"goods"}
    out: list[tuple[str, Any]] = [("service_contract" if kinds == {"service"} else "sales_contract", order.id)]
    posted = [i for i in invoices if i.status in ("posted", "paid") and i.kind == "sale_invoice"]
    if not posted:
        out.append(("proforma", order.id))
    for inv in posted:
        out.append(("invoice", inv.id))
        if "goods" in kinds:
            out.append(("waybill", inv.id))
        if "service" in kinds:
            out.append(("act", inv.id))
        out.append(("upd", inv.id))
    return out


def package(session: Session, actor: Actor, order_id: int, language: Optional[str] = None,
            with_pdf: bool = False) -> tuple[str, bytes, list[Document]]:
    """Every paper of an order, generated where missing (registered papers are reused), in one zip."""
    if with_pdf and not pdf.available():
        raise Conflict("pdf_unavailable")
    order = get_order(session, actor, order_id)
    invoices = list(session.scalars(select(Invoice).where(Invoice.order_id == order.id).order_by(Invoice.id)))
    docs: list[Document] = []
    for kind_code, source_id in package_kinds(session, order, invoices):
        docs.append(generate(session, actor, kind_code, source_id, language, with_pdf=with_pdf))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, doc in enumerate(docs, 1):
            for fmt in ("docx", "pdf") if with_pdf else ("docx",):
                _doc, row = file_of(session, actor, doc.id, fmt)
                archive.writestr(f"{n:02d}_{filename(doc.kind, doc.number, doc.language, fmt)}", row.content)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in order.number)
    return f"package_{safe}.zip", buffer.getvalue(), docs
