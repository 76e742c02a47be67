"""`python -m prefloop.inference`: serve the inference API."""

from prefloop.inference.app import create_app
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.http.serve import serve
from prefloop.shared.settings import load_settings

if __name__ == "__main__":
    settings = load_settings(InferenceSettings)
    serve("inference", create_app(settings), settings.host, settings.port)
