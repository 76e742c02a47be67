"""`python -m prefloop.console`: serve the console."""

from prefloop.console.app import create_app
from prefloop.console.settings import ConsoleSettings
from prefloop.shared.http.serve import serve
from prefloop.shared.settings import load_settings

if __name__ == "__main__":
    settings = load_settings(ConsoleSettings)
    serve("console", create_app(settings), settings.host, settings.port)
