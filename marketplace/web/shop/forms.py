from flask import current_app
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField


class LanguageForm(FlaskForm):
    lang = SelectField(choices=[])
    next = HiddenField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.lang.choices = [
            SelectChoice(code, name) for code, name in current_app.config["LANGUAGES"].items()
        ]
