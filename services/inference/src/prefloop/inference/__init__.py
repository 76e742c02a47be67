"""prefloop inference: title suggestions from the base model or a LoRA adapter version."""
