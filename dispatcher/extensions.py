"""Extension objects, bound to the app in create_app."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login = LoginManager()
login.login_view = "auth.sign_in"
# Flask-Login's default says "log in"; every screen here says "sign in".
login.login_message = "Please sign in to see this page."
csrf = CSRFProtect()
