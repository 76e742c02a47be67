"""`python -m prefloop.feedback`: serve the feedback API."""

from prefloop.feedback.app import create_app
from prefloop.feedback.settings import FeedbackSettings
from prefloop.shared.http.serve import serve
from prefloop.shared.settings import load_settings

if __name__ == "__main__":
    settings = load_settings(FeedbackSettings)
    serve("feedback", create_app(settings), settings.host, settings.port)
