"""The one prompt template, used by both the inference service and the trainer.

DPO pairs must be trained on exactly the prompt the model was served with, so
every event carries the template version and both sides render through here.
"""

from prefloop.shared.prompts.template import (
    IDEA_LABEL,
    PROMPT_TEMPLATE_VERSION,
    instruction_phrases,
    normalise_idea,
    prompt_messages,
    render_prompt,
)

__all__ = [
    "IDEA_LABEL",
    "PROMPT_TEMPLATE_VERSION",
    "instruction_phrases",
    "normalise_idea",
    "prompt_messages",
    "render_prompt",
]
