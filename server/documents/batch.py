"""Many documents at once: numbers and contexts in the database, rendering in a pool of processes, progress recorded.

A batch goes in chunks. For each chunk one write transaction plans every document (taking its
number inside a savepoint, so a source that fails gives its number back), the process pool
renders the chunk, LibreOffice converts it to PDF in one run when asked, and the documents are
registered before the transaction commits: a chunk lands whole or not at all, and the series
stay gap-free. The batch row records how far it got and what was refused, for the caller to poll.
"""
from __future__ import annotations

import atexit
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Optional

from sqlalchemy.orm import Session

from ..core import dates
from ..core.actor import Actor
from ..core.errors import Conflict, DomainError
from . import context, pdf, service
from .kinds import kind as kind_of
from .models import DocumentBatch

CHUNK = 50
MAX_SOURCES = 20_000

_pool: Optional[ProcessPoolExecutor] = None
_pool_lock = threading.Lock()


def pool(workers: int = 2) -> ProcessPoolExecutor:
    """The process pool of this server process, started on first use and kept (its start-up is ~1 s)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            # spawn, not fork: the server has threads (waitress, batches) whose locks a fork would copy.
            _pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
            atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
        return _pool


def render_one(job: tuple[bytes, dict[str, Any], str, str]) -> bytes:
    """In a worker: the .docx of one planned document (the compiled template is cached per worker)."""
    template, ctx, total, currency = job
    return service.compiled(template).render(context.with_codes(ctx, total, currency))


def start_batch(session: Session, actor: Actor, kind_code: str, source_ids: list[int], language: Optional[str],
                with_pdf: bool) -> DocumentBatch:
    """Record a batch to run (the caller starts `run_batch` once this is committed)."""
    kind_of(kind_code)
    if with_pdf and not pdf.available():
        raise Conflict("pdf_unavailable")
    unique = list(dict.fromkeys(source_ids))
    batch = DocumentBatch(company_id=actor.company_id, kind=kind_code, status="queued", total=len(unique), done=0,
                          request={"source_ids": unique, "language": language, "pdf": with_pdf},
                          document_ids=[], errors=[], created_at=dates.now(), created_by=actor.user_id)
    session.add(batch)
    session.flush()
    return batch


def run_batch(db: Any, actor: Actor, batch_id: int, workers: int = 2,
              progress: Optional[Callable[[int, int], None]] = None) -> DocumentBatch:
    """Generate every document of a batch; documents already registered are reused, not numbered again."""
    with db.write_session() as session, session.begin():
        batch = session.get_one(DocumentBatch, batch_id)
        batch.status = "running"
        request, kind_code, total = dict(batch.request), batch.kind, batch.total
    ids, language, with_pdf = request["source_ids"], request.get("language"), bool(request.get("pdf"))
    executor = pool(workers) if workers > 1 else None
    done, document_ids, errors = 0, [], []
    try:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            with db.write_session() as session, session.begin():
                service.preload(session, actor, kind_code, chunk)
                plans, pending = [], {}
                for source_id in chunk:
                    try:
                        with session.begin_nested():
                            p = service.plan(session, actor, kind_code, source_id, language)
                    except DomainError as exc:
                        errors.append({"source_id": source_id, "code": exc.code, "params": exc.params})
                        continue
                    plans.append(p)
                    if not p.reused:
                        # Rendered by the pool while the next sources are planned here.
                        pending[id(p)] = executor.submit(render_one, p.job()) if executor else render_one(p.job())
                rendered = {key: f.result() if executor else f for key, f in pending.items()}
                # A reused paper's PDF is made from its stored file: what was registered never changes.
                needs_pdf = [p for p in plans if with_pdf and p.reused
                             and not service.has_file(session, p.existing, "pdf")]
                sources = {**rendered, **{id(p): service.stored_docx(session, p.existing) for p in needs_pdf}}
                pdfs = pdf.convert({f"{key}.docx": d for key, d in sources.items()}) if with_pdf and sources else {}
                for p in plans:
                    docx = rendered.get(id(p))
                    if docx is not None:
                        doc = service.register(session, actor, p, docx, pdfs.get(f"{id(p)}.docx"))
                    else:
                        doc = p.existing
                        if f"{id(p)}.docx" in pdfs:
                            service.add_pdf(session, actor, doc, pdfs[f"{id(p)}.docx"])
                    document_ids.append(doc.id)
                done += len(chunk)
                batch = session.get_one(DocumentBatch, batch_id)
                batch.done, batch.document_ids, batch.errors = done, list(document_ids), list(errors)
            if progress is not None:
                progress(done, total)
    except Exception as exc:  # the batch records why it stopped; the chunks before it stay registered
        with db.write_session() as session, session.begin():
            batch = session.get_one(DocumentBatch, batch_id)
            batch.status, batch.finished_at = "failed", dates.now()
            batch.errors = list(errors) + [{"source_id": None, "code": getattr(exc, "code", "internal_error"),
                                            "params": getattr(exc, "params", {"reason": type(exc).__name__})}]
        raise
    with db.write_session() as session, session.begin():
        batch = session.get_one(DocumentBatch, batch_id)
        batch.status, batch.finished_at = "done", dates.now()
        session.flush()
        session.expunge(batch)
    return batch


def get_batch(session: Session, actor: Actor, batch_id: int) -> DocumentBatch:
    batch = session.get(DocumentBatch, batch_id)
    if batch is None or batch.company_id != actor.company_id:
        raise DomainError("not_found", status=404, params={"entity": "document_batch", "id": batch_id})
    return batch


def run_in_background(db: Any, actor: Actor, batch_id: int) -> threading.Thread:
    """Start a committed batch on a thread of this server process; its progress is in the batch row."""
    def target() -> None:
        try:
            run_batch(db, actor, batch_id)
        except Exception:  # recorded on the batch row by run_batch; nothing else to tell here
            pass

    thread = threading.Thread(target=target, name=f"document-batch-{batch_id}", daemon=True)
    thread.start()
    return thread
