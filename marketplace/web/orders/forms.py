from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField

from ...models import RatingScore
from ...services.ratings import MAX_TEXT_LENGTH


class RatingForm(FlaskForm):
    """The buyer's rating of one delivered co-op order; the service checks the values."""

    score = RadioField(
        _l("How was it?"),
        choices=[
            SelectChoice(RatingScore.POSITIVE.value, _l("Positive")),
            SelectChoice(RatingScore.NEUTRAL.value, _l("Neutral")),
            SelectChoice(RatingScore.NEGATIVE.value, _l("Negative")),
        ],
        validate_choice=False,
    )
    text = TextAreaField(
        _l("A few words for other buyers (optional)"),
        render_kw={"rows": 3, "maxlength": MAX_TEXT_LENGTH},
    )
