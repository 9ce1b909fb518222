"""Pure marketplace rules. Standard library only: no Flask, no SQLAlchemy."""
