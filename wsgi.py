"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi run`."""

import os

from marketplace import create_app
from marketplace.services.search_index import start_indexer

app = create_app()

# A web server (gunicorn) starts the search indexer now, so index work a killed process
# left is applied at once. Flask commands (`flask --app wsgi ...`) load this module too:
# they apply their own changes after commit, and `flask run` starts it with the first
# request. A worker forked from a preloaded app starts its own the same way.
if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
    start_indexer(app)

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=app.config["PORT"])
