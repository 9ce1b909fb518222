from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length

from ...services.claim_reviews import MAX_REASON


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("approve", _l("Approve")),
            SelectChoice("request_changes", _l("Ask for changes")),
            SelectChoice("reject", _l("Reject")),
        ],
        validators=[DataRequired()],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=MAX_REASON)],
        description=_l(
            "Required. The co-op reads this; say what convinced you or what is missing."
        ),
    )


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Why the approval is revoked"), validators=[DataRequired(), Length(max=MAX_REASON)]
    )
