"""ClientBase server: create_app() builds the Flask application."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, Response, jsonify

from . import packages, routes
from .audit import idempotency
from .config import Config, default_database_url
from .core import problems
from .db import Database
from .migrate import upgrade
from .openapi import bp as openapi_bp
from .org import auth
from .parties.names import fill_names


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
        upgrade(db.engine)

    routes.hand_over(app, authenticator=auth, idempotency=idempotency, namer=fill_names)

    @app.get("/healthz")
    def healthz() -> Response:
        """Liveness and database reachability, without auth."""
        with db.read_session() as s:
            s.connection().exec_driver_sql("SELECT 1")
        return jsonify(status="ok", database=db.dialect)

    problems.register(app)
    packages.register(app)
    app.register_blueprint(openapi_bp)
    return app


def _loads(value: str) -> Any:
    """CLIENTBASE_* values: JSON when it parses (numbers, true/false), text otherwise."""
    try:
        return json.loads(value)
    except ValueError:
        return value
