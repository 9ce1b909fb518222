from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from ...domain.cart import MAX_QUANTITY
from ..helpers import MAX_ID


class AddToCartForm(FlaskForm):
    listing_id = IntegerField(validators=[InputRequired(), NumberRange(1, MAX_ID)])
    quantity = IntegerField(validators=[InputRequired(), NumberRange(1, MAX_QUANTITY)])
    #: the page to go back to (the listing's)
    next = HiddenField()


class QuantityForm(FlaskForm):
    #: 0 takes the line out of the cart
    quantity = IntegerField(validators=[InputRequired(), NumberRange(0, MAX_QUANTITY)])


class RemoveForm(FlaskForm):
    """Only the CSRF token: removing needs no input."""
