"""ClientBase server: create_app() builds the Flask application."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, Response, jsonify

from .config import Config, default_database_url
from .core import problems
from . import routes
from .audit import idempotency
from .org import auth
from .db import Database


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, instance/clientbase.cfg, CLIENTBASE_* variables, then `config`."""
    instance = os.environ.get("CLIENTBASE_INSTANCE_PATH") or str(Path.cwd() / "instance")
    app = Flask(__name__, instance_path=instance, instance_relative_config=True, static_folder=None)
    app.config.from_object(Config)
    app.config.from_pyfile("clientbase.cfg", silent=True)
    app.config.from_prefixed_env("CLIENTBASE", loads=_loads)
    if config:
        app.config.update(config)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = default_database_url(app.config["DATA_DIR"])
    app.json.ensure_ascii = False  # Khmer and Cyrillic as themselves

    db = Database(app.config["DATABASE_URL"], busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])
    app.extensions["clientbase.db"] = db
    if app.config["AUTO_MIGRATE"]:
        from .migrate import upgrade

        upgrade(db.engine)

    routes.init_app(app, authenticator=auth, idempotency=idempotency)

    @app.get("/healthz")
    def healthz() -> Response:
        """Liveness and database reachability, without auth."""
        with db.read_session() as s:
            s.connection().exec_driver_sql("SELECT 1")
        return jsonify(status="ok", database=db.dialect)

    problems.register(app)
    from .audit.api import bp as audit_bp
    from .catalog.api import bp as catalog_bp
    from .documents.api import bp as documents_bp
    from .figures.api import bp as figures_bp
    from .imports.api import bp as imports_bp
    from .finance.api import bp as finance_bp
    from .currency.api import bp as rates_bp
    from .hr.api import bp as hr_bp
    from .ledger.api import bp as ledger_bp
    from .openapi import bp as openapi_bp
    from .org.api import bp as org_bp
    from .parties.api import bp as parties_bp
    from .payroll.api import bp as payroll_bp
    from .payroll.calendar_api import bp as payroll_calendar_bp
    from .payroll.documents_api import bp as payroll_documents_bp
    from .payroll.rules_api import bp as payroll_rules_bp
    from .payroll.timesheet_import_api import bp as payroll_timesheet_import_bp
    from .reports.api import bp as reports_bp
    from .sales.api import bp as sales_bp

    for bp in (org_bp, parties_bp, catalog_bp, rates_bp, sales_bp, finance_bp, ledger_bp, reports_bp, documents_bp, imports_bp, hr_bp, payroll_bp, payroll_calendar_bp, payroll_documents_bp, payroll_rules_bp, payroll_timesheet_import_bp, audit_bp, figures_bp, openapi_bp):
        app.register_blueprint(bp)
    return app


def _loads(value: str) -> Any:
    """CLIENTBASE_* values: JSON when it parses (numbers, true/false), text otherwise."""
    import json

    try:
        return json.loads(value)
    except ValueError:
        return value
