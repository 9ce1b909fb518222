"""Search: the SearchBackend interface and its Whoosh and PostgreSQL engines (issue 5)."""
