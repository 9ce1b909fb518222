from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from ...domain.proposals import MAX_CRITERIA


class CriterionForm(Form):
    key = StringField(
        _l("Key"),
        validators=[Length(max=60)],
        description=_l("Stays the same across versions, e.g. living_wage."),
    )
    question = TextAreaField(_l("Question"), render_kw={"rows": 2})
    guidance = TextAreaField(_l("Guidance"), render_kw={"rows": 2})
    evidence_required = BooleanField(_l("Evidence required"))


class CriteriaProposalForm(FlaskForm):
    summary = TextAreaField(
        _l("Why change the criteria?"),
        validators=[Length(max=2000)],
        description=_l("Shown beside the changes when the co-ops vote."),
        render_kw={"rows": 3},
    )
    criteria = FieldList(FormField(CriterionForm), min_entries=1, max_entries=MAX_CRITERIA + 1)
    add_row = SubmitField(_l("Add a criterion"))
    submit = SubmitField(_l("Put to a vote"))


class FeePolicyForm(FlaskForm):
    basis_points = StringField(
        _l("Fee (basis points)"), description=_l("Of each co-op order: 600 basis points = 6 %.")
    )
    fair_basis_points = StringField(
        _l("Fee for verified fair-trade lines (basis points)"),
        description=_l("Leave empty for no lower rate."),
    )
    minimum_fee = StringField(
        _l("Minimum fee per co-op order"),
        description=_l("In minor units of the order's currency (cents); empty for none."),
    )
    maximum_fee = StringField(
        _l("Maximum fee per co-op order"),
        description=_l("In minor units of the order's currency (cents); empty for none."),
    )
    summary = TextAreaField(
        _l("Why change the fee?"), validators=[Length(max=2000)], render_kw={"rows": 3}
    )


class VoteForm(FlaskForm):
    coop = HiddenField(validators=[DataRequired()])
    choice = RadioField(
        _l("Your co-op's vote"),
        choices=[
            SelectChoice("yes", _l("Yes")),
            SelectChoice("no", _l("No")),
            SelectChoice("abstain", _l("Abstain")),
        ],
        validators=[DataRequired(_l("Choose yes, no or abstain."))],
    )


class ConfirmForm(FlaskForm):
    """A button that only needs its CSRF token."""
