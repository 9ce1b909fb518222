from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice("admit", _l("Admit")),
            SelectChoice("decline", _l("Decline")),
            SelectChoice("suspend", _l("Suspend")),
            SelectChoice("readmit", _l("Readmit")),
        ],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[Length(max=2000)],
        description=_l("Required to decline or suspend; the co-op sees it."),
        render_kw={"rows": 3},
    )
