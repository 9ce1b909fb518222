import unicodedata
from collections.abc import Mapping

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField

from ...domain.cart import Shipping
from ...i18n import enum_label

#: territory codes that are no country one can ship to
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}
_VISIBLE = ("name", "line1", "line2", "postcode", "city", "country", "payment_method")


class CheckoutForm(FlaskForm):
    """Address and payment method; the rules are the checkout service's (check_address)."""

    name = StringField(_l("Full name"))
    line1 = StringField(_l("Street and house number"))
    line2 = StringField(_l("Address line 2"), description=_l("Optional: flat, floor, c/o."))
    postcode = StringField(_l("Postcode"))
    city = StringField(_l("Town or city"))
    country = SelectField(_l("Country"), validate_choice=False)
    payment_method = RadioField(_l("Payment method"), validate_choice=False)
    #: the review page's: what the buyer confirms, and the key that makes a retry harmless
    confirmed = HiddenField()
    idempotency_key = HiddenField()

    def __init__(self, methods: list[str], *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = [("", _("Choose a country"))] + countries()
        self.payment_method.choices = [(method, enum_label(method)) for method in methods]
        if self.payment_method.data is None and len(methods) == 1:
            self.payment_method.data = methods[0]

    def add_errors(self, errors: Mapping[str, str]) -> None:
        """Show the service's messages next to their fields (others above the form)."""
        for name, message in errors.items():
            if name in _VISIBLE:
                field = self[name]
                field.errors = [*field.errors, message]
            else:
                self.form_errors.append(message)


def countries() -> list[tuple[str, str]]:
    """Two-letter country codes with their names in the buyer's language, by name."""
    names = get_locale().territories
    found = [
        (code, name)
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    ]
    return sorted(found, key=lambda pair: _sort_key(pair[1]))


def _sort_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def shipping_choices(form: Mapping[str, str]) -> dict[int, Shipping]:
    """The `shipping-<co-op id>` radio buttons: pickup where chosen, delivery otherwise."""
    choices: dict[int, Shipping] = {}
    for key, value in form.items():
        prefix, _dash, coop_id = key.partition("-")
        if prefix == "shipping" and coop_id.isdigit() and len(coop_id) < 10:
            choices[int(coop_id)] = Shipping.PICKUP if value == "pickup" else Shipping.DELIVERY
    return choices
