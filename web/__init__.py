"""Presse's web front end: a Flask app over one ``search.Archive``.

>>> app = create_app({"PRESSE_INDEX": "instance/index"})                # doctest: +SKIP

Pages (French, no JavaScript needed) live in ``web.views``, the JSON API in ``web.api``;
``presse serve`` (``web.serve``) runs the app with waitress.
"""

from __future__ import annotations

from flask import Flask

from presse.indexer.store import default_index_dir

from . import api, archive, entity_views, errors, export_views, formatting, security, timeline_views, views


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; ``test_config`` overrides the defaults (``PRESSE_INDEX``: the index directory)."""
    app = Flask(__name__)
    app.config.from_mapping(
        PRESSE_INDEX=str(default_index_dir()),
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
        PRESSE_PER_PAGE=10,
    )
    if test_config:
        app.config.update(test_config)
    security.init_app(app)
    formatting.init_app(app)
    archive.init_app(app)
    errors.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(export_views.bp)
    app.register_blueprint(timeline_views.bp)
    app.register_blueprint(entity_views.bp)
    return app
