"""Documents API: kinds and templates, generating and registering papers, their signing, the gaps, packages, batches."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, after_this_request, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..routes import VersionIn, route
from . import batch as batches
from . import schemas, service
from .kinds import KINDS, LANGUAGES, known_paths
from .models import DocumentFile

bp = Blueprint("documents", __name__, url_prefix="/api/v1")

# Who produces papers: the books and the sales staff (within their branches). Templates change
# what every paper of the company says, so only the owner and the accountant upload them.
MAKERS = ("owner", "accountant", "sales")
TEMPLATE_KEEPERS = ("owner", "accountant")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIMETYPES = {"docx": DOCX, "pdf": "application/pdf"}


def attachment(content: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(content, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp


# --- kinds and templates --------------------------------------------------------------------------

@route(bp, "/document-kinds", roles=MAKERS, response=schemas.KindList)
def list_kinds(session: Session, actor: Actor) -> schemas.KindList:
    """List the document kinds and the variables a template of each may use."""
    return schemas.KindList(items=[
        schemas.KindOut(code=k.code, family=k.family, source=k.source, languages=list(LANGUAGES),
                        variables=sorted(known_paths(k.code))) for k in KINDS.values()])


@route(bp, "/document-templates", roles=MAKERS, response=schemas.TemplateList)
def list_templates(session: Session, actor: Actor) -> schemas.TemplateList:
    """List, per kind and language, the shipped template and the company's own."""
    return schemas.TemplateList.model_validate({"items": service.list_templates(session, actor)})


@route(bp, "/document-templates", method="POST", roles=TEMPLATE_KEEPERS, body=schemas.TemplateIn,
       response=schemas.CompanyTemplateOut, status=201, errors=(409,))
def upload_template(session: Session, actor: Actor, body: schemas.TemplateIn) -> schemas.CompanyTemplateOut:
    """Upload a company template (.docx, base64): it is checked before it is kept."""
    tpl = service.upload_template(session, actor, body.kind, body.language, body.name, body.content_base64,
                                  body.is_default)
    return schemas.CompanyTemplateOut.model_validate(tpl)


# Binary answers are not stored for Idempotency-Key replays; both routes are idempotent by nature
# (a preview registers nothing, a package reuses the papers already registered).
@route(bp, "/document-templates/preview", method="POST", roles=MAKERS, body=schemas.TemplatePreviewIn,
       produces=(DOCX,), idempotent=False)
def preview_template(session: Session, actor: Actor, body: schemas.TemplatePreviewIn) -> Response:
    """Fill a template with sample data or a real source's data, without registering anything."""
    data = body.content_base64
    if data is None and body.template_id is not None:
        data = service.get_template(session, actor, body.template_id).content
    content = service.preview(session, actor, body.kind, body.language, data, body.source_id)
    return attachment(content, DOCX, f"preview_{body.kind}_{body.language}.docx")


@route(bp, "/document-templates/<int:id>/file", roles=TEMPLATE_KEEPERS, produces=(DOCX,))
def template_file(session: Session, actor: Actor, id: int) -> Response:
    """Download a company template as it was uploaded."""
    tpl = service.get_template(session, actor, id)
    return attachment(tpl.content, DOCX, f"{tpl.kind}_{tpl.language}_{tpl.name}.docx")


@route(bp, "/document-templates/<int:id>/default", method="POST", roles=TEMPLATE_KEEPERS,
       body=schemas.TemplateDefaultIn, response=schemas.CompanyTemplateOut, errors=(409,))
def set_default_template(session: Session, actor: Actor, id: int, body: schemas.TemplateDefaultIn) -> Any:
    """Make a company template the one in use for its kind and language (or stop using it)."""
    tpl = service.set_default_template(session, actor, id, body.version, body.is_default)
    return schemas.CompanyTemplateOut.model_validate(tpl)


@route(bp, "/document-templates/<int:id>/archive", method="POST", roles=TEMPLATE_KEEPERS, body=VersionIn,
       response=schemas.CompanyTemplateOut, errors=(409,))
def archive_template(session: Session, actor: Actor, id: int, body: VersionIn) -> Any:
    """Archive a company template: the shipped one is used again."""
    return schemas.CompanyTemplateOut.model_validate(service.archive_template(session, actor, id, body.version))


# --- documents ------------------------------------------------------------------------------------

def _view(session: Session, doc: Any) -> schemas.DocumentView:
    files = list(session.scalars(select(DocumentFile.format).where(DocumentFile.document_id == doc.id)
                                 .order_by(DocumentFile.format)))
    return schemas.DocumentView(
        **schemas.DocumentOut.model_validate(doc).model_dump(), legal_force=service.legal_force(doc), files=files,
        history=[schemas.StatusChangeOut.model_validate(h) for h in service.history(session, doc)])


@route(bp, "/documents", method="POST", roles=MAKERS, body=schemas.GenerateIn, response=schemas.DocumentView,
       status=201, errors=(409,))
def generate_document(session: Session, actor: Actor, body: schemas.GenerateIn) -> schemas.DocumentView:
    """Generate and register a document of a kind for its invoice, order or payment (an existing one is returned)."""
    doc = service.generate(session, actor, body.kind, body.source_id, body.language, body.regenerate, body.pdf)
    return _view(session, doc)


@route(bp, "/documents", roles=MAKERS, query=schemas.DocumentQuery, response=schemas.DocumentList)
def list_documents(session: Session, actor: Actor, query: schemas.DocumentQuery) -> schemas.DocumentList:
    """List the registered documents, newest first."""
    total, docs = service.list_documents(session, actor, kind=query.kind, status=query.status,
                                         counterparty_id=query.counterparty_id, order_id=query.order_id,
                                         invoice_id=query.invoice_id, limit=query.limit, offset=query.offset)
    return schemas.DocumentList(total=total, items=[schemas.DocumentOut.model_validate(d) for d in docs])


@route(bp, "/documents/gaps", roles=MAKERS, query=schemas.GapsQuery, response=schemas.GapsReport)
def document_gaps(session: Session, actor: Actor, query: schemas.GapsQuery) -> schemas.GapsReport:
    """The missing signed originals, with their age, per counterparty and per manager."""
    return schemas.GapsReport.model_validate(service.gaps(session, actor, query.as_of, query.kind, query.manager_id,
                                                          query.counterparty_id))


@route(bp, "/documents/<int:id>", roles=MAKERS, response=schemas.DocumentView)
def get_document(session: Session, actor: Actor, id: int) -> schemas.DocumentView:
    """Read one document with its signing history and legal force."""
    return _view(session, service.get_document(session, actor, id))


@route(bp, "/documents/<int:id>/file", roles=MAKERS, query=schemas.FileQuery, produces=(DOCX, "application/pdf"))
def document_file(session: Session, actor: Actor, id: int, query: schemas.FileQuery) -> Response:
    """Download a document's file as registered (its SHA-256 is in the ETag)."""
    doc, row = service.file_of(session, actor, id, query.format)
    resp = attachment(row.content, MIMETYPES[query.format], service.filename(doc.kind, doc.number, doc.language,
                                                                              query.format))
    resp.headers["ETag"] = f'"{row.sha256}"'
    return resp


@route(bp, "/documents/<int:id>/status", method="POST", roles=MAKERS, body=schemas.StatusIn,
       response=schemas.DocumentView, errors=(409,))
def set_document_status(session: Session, actor: Actor, id: int, body: schemas.StatusIn) -> schemas.DocumentView:
    """Record a step of the signing: sent, signed by us, signed by both, original received."""
    doc = service.set_status(session, actor, id, body.version, body.status, body.on, body.note)
    return _view(session, doc)


@route(bp, "/orders/<int:id>/documents/package", method="POST", roles=MAKERS, body=schemas.PackageIn,
       produces=("application/zip",), errors=(409,), idempotent=False)
def order_package(session: Session, actor: Actor, id: int, body: schemas.PackageIn) -> Response:
    """Every paper of an order (contract, invoice, waybill or act, UPD) in one zip; missing ones are generated."""
    name, content, docs = service.package(session, actor, id, body.language, body.pdf)
    resp = attachment(content, "application/zip", name)
    resp.headers["X-Document-Ids"] = ",".join(str(d.id) for d in docs)
    return resp


# --- batches --------------------------------------------------------------------------------------

@route(bp, "/document-batches", method="POST", roles=MAKERS, body=schemas.DocumentBatchIn,
       response=schemas.DocumentBatchOut, status=202, errors=(409,))
def start_batch(session: Session, actor: Actor, body: schemas.DocumentBatchIn) -> schemas.DocumentBatchOut:
    """Start generating many documents at once; poll the batch for its progress."""
    batch = batches.start_batch(session, actor, body.kind, body.source_ids, body.language, body.pdf)
    db, batch_id = current_app.extensions["clientbase.db"], batch.id

    @after_this_request
    def _run(response: Response) -> Response:
        # After the view's transaction committed: the worker thread reads the batch it creates.
        if response.status_code == 202:
            batches.run_in_background(db, actor, batch_id)
        return response

    return schemas.DocumentBatchOut.model_validate(batch)


@route(bp, "/document-batches/<int:id>", roles=MAKERS, response=schemas.DocumentBatchOut)
def get_batch(session: Session, actor: Actor, id: int) -> schemas.DocumentBatchOut:
    """Read a batch's progress: done of total, the documents made, what was refused."""
    return schemas.DocumentBatchOut.model_validate(batches.get_batch(session, actor, id))
