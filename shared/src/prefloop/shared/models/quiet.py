"""Services log; they do not draw progress bars for every model load or dataset map."""

from __future__ import annotations


def quiet_progress_bars() -> None:
    import transformers

    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    try:
        import datasets

        datasets.disable_progress_bars()
    except ImportError:  # the inference service does not install datasets
        pass
