from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, IntegerField
from wtforms.validators import DataRequired, InputRequired

# The service reads and checks the file itself (encoding, delimiter, columns, every row);
# these forms only parse and carry the CSRF token.


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file to upload."))])


class ConfirmForm(FlaskForm):
    """Import every row of a file that checked out without errors."""

    confirm = HiddenField(default="all")


class ConfirmSubsetForm(FlaskForm):
    """Import only the valid rows of a file with errors: said explicitly, with their number."""

    valid_rows = IntegerField(validators=[InputRequired()])
    understood = BooleanField(
        _l("I understand that the rows with errors will not be imported."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
