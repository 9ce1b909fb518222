"""Commands: `flask seed-demo`, `flask create-admin EMAIL`, `flask coop token SLUG`,
`flask claims expire`, `flask proposals close`, `flask search sync|reindex|check`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask
from flask.cli import AppGroup

from .services import accounts


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed a database that has no co-op yet.")
def seed_demo_command(if_empty: bool) -> None:
    """Create the demo federation (idempotent, deterministic)."""
    from .services import seed

    if if_empty and not seed.database_is_empty():
        click.echo("The database already has data; not seeding.")
        return
    report = seed.seed_demo()
    click.echo(
        f"Demo federation ready: {report.coops} co-ops, {report.listings} listings, "
        f"{report.categories} categories, {report.labels} labels."
    )
    click.echo(f"Demo users (password for all: {seed.DEMO_PASSWORD}):")
    for person in report.users:
        click.echo(f"  {person.role:<17} {person.email}")


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Federation admin", show_default=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when not given (only used when the account is new).",
)
def create_admin_command(email: str, name: str, password: str) -> None:
    """Make EMAIL a federation admin, creating the account if needed."""
    try:
        user, created = accounts.create_admin(email, name, password)
    except accounts.WeakPassword:
        raise click.ClickException(
            f"password too weak: use at least {accounts.MIN_PASSWORD_LENGTH} characters, "
            "not your e-mail address"
        ) from None
    verb = "Created" if created else "Promoted"
    click.echo(f"{verb} federation admin {user.email}")


coop_cli = AppGroup("coop", help="Co-op commands.")


@coop_cli.command("token")
@click.argument("slug")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
def coop_token_command(slug: str, name: str) -> None:
    """Create an API token for the co-op SLUG and print only the token (for scripts)."""
    from .services import api_tokens, coops

    try:
        coop = coops.coop_by_slug(slug)
    except coops.CoopNotFound:
        raise click.ClickException(f"no co-op with the slug {slug!r}") from None
    try:
        _token, plaintext = api_tokens.create_token(coop, name)
    except api_tokens.InvalidTokenName:
        raise click.ClickException("--name must be 1 to 80 characters") from None
    if not coop.is_admitted:
        click.echo(
            f"warning: {slug} is {coop.status}; the API refuses its tokens until it is admitted",
            err=True,
        )
    click.echo(plaintext)


claims_cli = AppGroup("claims", help="Label claim commands.")


@claims_cli.command("expire")
def claims_expire_command() -> None:
    """Expire approvals that ran out and remind co-ops whose approvals run out soon."""
    from .services import claim_reviews

    expired = claim_reviews.expire_due()
    reminded = claim_reviews.remind_due()
    click.echo(f"{expired} claim(s) expired, {reminded} reminder(s) sent.")


proposals_cli = AppGroup("proposals", help="Proposal and vote commands.")


@proposals_cli.command("close")
def proposals_close_command() -> None:
    """Close every proposal whose vote has ended and apply those that passed."""
    import json

    from .services.proposal_closing import close_due

    closed = close_due()
    for proposal in closed:
        outcome = json.loads(proposal.outcome_json or "{}")
        click.echo(
            f"proposal {proposal.id} ({proposal.kind}) {proposal.status}: {outcome.get('reason')}, "
            f"yes {outcome.get('yes')}, no {outcome.get('no')}, abstain {outcome.get('abstain')}, "
            f"{outcome.get('eligible')} co-ops could vote"
        )
    click.echo(f"{len(closed)} proposal(s) closed.")


search_cli = AppGroup("search", help="Search index commands.")


class SearchUnavailable(click.ClickException):
    """The engine or its settings failed: exit 2, apart from check's 1 for drift."""

    exit_code = 2


@contextmanager
def _engine_errors() -> Iterator[None]:
    from search.backend import SearchError

    try:
        yield
    except (SearchError, RuntimeError) as error:
        raise SearchUnavailable(str(error)) from error


@search_cli.command("sync")
def search_sync_command() -> None:
    """Apply pending index changes and label expiries (builds an empty index first)."""
    from .services import search_index

    with _engine_errors():
        report = search_index.sync(sweep=True, rebuild_if_empty=True)
    if report.rebuilt is not None:
        click.echo(f"The index was empty: built it with {report.rebuilt} listing(s).")
    click.echo(
        f"{report.indexed} listing(s) indexed, {report.removed} removed "
        f"({report.changes} change(s) applied, {report.swept} from label expiries)."
    )


@search_cli.command("reindex")
def search_reindex_command() -> None:
    """Rebuild the index from the database aside and swap it in (search stays up)."""
    from .services import search_index

    with _engine_errors():
        done = search_index.reindex()
    click.echo(f"Rebuilt the index: {done.count} listing(s) in {done.seconds:.1f} s.")
    if done.after.changes:
        click.echo(
            f"Then applied {done.after.changes} change(s) made meanwhile: "
            f"{done.after.indexed} listing(s) indexed, {done.after.removed} removed."
        )


@search_cli.command("check")
@click.option("--repair", is_flag=True, help="Then re-index exactly the listings that differ.")
def search_check_command(repair: bool) -> None:
    """Compare the index with the database; exit 1 and name the listings if they differ."""
    from .services import search_index

    with _engine_errors():
        checked = search_index.check_index()
    if not checked.drift:
        click.echo(f"index matches the database: {checked.expected} listings")
        return
    click.echo("index differs from the database:")
    for line in checked.drift.describe():
        click.echo(f"  {line}")
    if checked.pending:
        click.echo(f"{checked.pending} change(s) are waiting to be applied.")
    if repair:
        with _engine_errors():
            indexed, removed = search_index.repair(checked.drift)
        click.echo(f"Repaired: {indexed} listing(s) indexed, {removed} removed.")
    else:
        click.echo(
            "`flask search sync` applies waiting changes; `flask search check --repair` "
            "re-indexes what differs; `flask search reindex` rebuilds everything."
        )
    click.get_current_context().exit(1)


orders_cli = AppGroup("orders", help="Order commands.")


@orders_cli.command("expire")
def orders_expire_command() -> None:
    """Expire unpaid orders past their payment time and give their stock back."""
    from .services.coop_orders import expire_due

    click.echo(f"{expire_due()} unpaid order(s) expired")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(orders_cli)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(coop_cli)
    app.cli.add_command(proposals_cli)
    app.cli.add_command(claims_cli)
    app.cli.add_command(search_cli)
    from .cli_mail import mail_cli

    app.cli.add_command(mail_cli)
    from .cli_payments import register as register_payments

    register_payments(app.cli)
