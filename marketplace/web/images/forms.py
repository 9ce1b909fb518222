from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf

# The service checks each file (type, size, pixels) and the description's length,
# so forms, CSV and API share one rule; these forms only parse and carry the CSRF token.


class UploadForm(FlaskForm):
    images = MultipleFileField(_l("Add pictures"))


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class AltTextForm(FlaskForm):
    alt_text = StringField(_l("Description"))
