"""The application as the search benchmark serves it with gunicorn.

    gunicorn --chdir . bench.search_wsgi:app

The production entry point (`wsgi.py`: the app with its settings from the environment, and
its search indexer), plus a bare hello-world Flask app mounted at /_bench in the same process,
so that both are served by the same gunicorn workers: the search page's requests/s are
compared with hello-world's.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi import app

hello = Flask("hello")


@hello.get("/hello")
def hello_world() -> str:
    return "Hello, World!"


app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/_bench": hello})  # type: ignore[method-assign]

__all__ = ["app"]
