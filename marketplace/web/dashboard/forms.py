"""Dashboard forms. They only carry what was typed: the rules live in domain/ and services/."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ...domain.money import CURRENCY_EXPONENTS

KIND_CHOICES = [SelectChoice("good", _l("Product")), SelectChoice("service", _l("Service"))]
CONDITION_CHOICES = [
    SelectChoice("new", _l("New")),
    SelectChoice("used", _l("Used")),
    SelectChoice("refurbished", _l("Refurbished")),
]
LANGUAGE_CHOICES = [
    SelectChoice("en", "English"),
    SelectChoice("de", "Deutsch"),
    SelectChoice("sv", "Svenska"),
]
CURRENCY_CHOICES = [SelectChoice(code) for code in sorted(CURRENCY_EXPONENTS)]


class ListingForm(FlaskForm):
    title = StringField(_l("Title"))
    description = TextAreaField(_l("Description"), render_kw={"rows": 6})
    kind = SelectField(_l("Type"), choices=KIND_CHOICES)
    category = SelectField(_l("Category"), choices=[])
    price = StringField(
        _l("Price, VAT included"),
        description=_l("For example 12.50"),
        render_kw={"inputmode": "decimal"},
    )
    currency = SelectField(_l("Currency"), choices=CURRENCY_CHOICES)
    vat_rate = StringField(
        _l("VAT rate in %"),
        description=_l("For example 19 or 7"),
        render_kw={"inputmode": "decimal"},
    )
    stock = StringField(
        _l("Stock"),
        description=_l("Products only: units you can ship now (0 = sold out)."),
        render_kw={"inputmode": "numeric"},
    )
    capacity = StringField(
        _l("Capacity"),
        description=_l("Services only: how many you can take on; leave empty for “on request”."),
        render_kw={"inputmode": "numeric"},
    )
    condition = SelectField(_l("Condition"), choices=CONDITION_CHOICES)
    sku = StringField(
        _l("Article number (your own)"), description=_l("Optional; used by CSV import.")
    )
    region = StringField(_l("Region"), description=_l("Where it is made or offered, e.g. Leipzig."))
    ships_to = StringField(
        _l("Ships to"),
        description=_l(
            "Country codes such as DE AT, or EU, or WORLD; empty for pickup or on site."
        ),
    )
    language = SelectField(_l("Language of the text"), choices=LANGUAGE_CHOICES)
    version = HiddenField()


class ActionForm(FlaskForm):
    """Publish / pause / archive / restore: only a CSRF token and the version seen."""

    version = HiddenField()


class SettingsForm(FlaskForm):
    description = TextAreaField(_l("About the co-op"), render_kw={"rows": 6})
    region = StringField(_l("Region"))
    website = StringField(_l("Website"))
    shipping_flat_fee = StringField(
        _l("Shipping fee per order"), description=_l("In your currency; 0 for free shipping.")
    )
    shipping_free_above = StringField(
        _l("Free shipping from"), description=_l("Order subtotal; leave empty for never.")
    )
    offers_pickup = BooleanField(_l("Buyers may collect their order"))
    pickup_address = StringField(_l("Pickup address"))
    bank_account_holder = StringField(_l("Account holder"))
    bank_iban = StringField(_l("IBAN"))
    bank_bic = StringField(_l("BIC"), description=_l("Optional within the euro area."))


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Their e-mail (optional, for your records)"), validators=[Optional(), Length(max=254)]
    )
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("member", _l("Member")), SelectChoice("admin", _l("Admin"))],
    )


class RoleForm(FlaskForm):
    user_id = IntegerField(validators=[DataRequired(), NumberRange(1, 2**31 - 1)])
    role = SelectField(choices=[SelectChoice("member"), SelectChoice("admin")])


class MemberForm(FlaskForm):
    user_id = IntegerField(validators=[DataRequired(), NumberRange(1, 2**31 - 1)])


class ApplyForm(FlaskForm):
    name = StringField(_l("Co-op name"))
    country = StringField(_l("Country code"), description=_l("Two letters, e.g. DE, SE, GB."))
    region = StringField(_l("Region or city"))
    trade = StringField(_l("Trade"), description=_l("What you do, in a few words."))
    description = TextAreaField(
        _l("About your co-op"),
        description=_l("Who owns it, how decisions are made, what you make or offer."),
        render_kw={"rows": 6},
    )
    website = StringField(_l("Website"))
    currency = SelectField(_l("Currency"), choices=CURRENCY_CHOICES, default="EUR")


class CsrfForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
