from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ...services.api_tokens import MAX_NAME_LENGTH


class NewTokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=MAX_NAME_LENGTH)],
        description=_l("What the token is for, e.g. “shop sync” or “stock script”."),
    )


class RevokeTokenForm(FlaskForm):
    """Only the CSRF token: revoking needs no input."""
