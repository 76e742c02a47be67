"""`python -m prefloop.trainer`: serve the trainer's ops API and run rounds."""

from prefloop.shared.http.serve import serve
from prefloop.shared.settings import load_settings
from prefloop.trainer.app import create_app
from prefloop.trainer.settings import TrainerSettings

if __name__ == "__main__":
    settings = load_settings(TrainerSettings)
    serve("trainer", create_app(settings), settings.host, settings.port)
