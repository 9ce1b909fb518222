from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length


class NewClaimForm(FlaskForm):
    label = SelectField(_l("Label"), coerce=int, validators=[DataRequired()])
    target = SelectField(
        _l("Claimed for"),
        description=_l("Some labels apply to one listing, others to the whole co-op."),
    )


class ClaimActionForm(FlaskForm):
    """Only the CSRF token: answers come as answer-<id>, link-<id> and file-<id> fields."""


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why (optional)"), validators=[Length(max=5000)])
