"""A bare Flask app answering 'hello': the base the API's answer time is compared with."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello():
    return "hello"
