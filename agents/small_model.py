"""What changes when the model is a small local one (ARCHITECTURE.md, "Small models").

A 135M-parameter model on two CPU cores writes ~30-100 tokens/s, loops when it has room, and
copies long instructions into its answer. It gets short prompts, a small plan, sections of what
it can say coherently, and no LLM review it cannot do; capable models are untouched.
"""

from __future__ import annotations

# Below this context length a model is treated as small (the embedded SmolLM2 serves 4k per slot;
# capable local models such as Qwen2.5-7B have 32k).
SMALL_CONTEXT = 32_768
# Past ~150 words the embedded model drifts off topic or repeats itself.
SMALL_SECTION_WORDS = 120
# ~1.35 tokens per word plus room to finish the sentence it is in.
SMALL_WRITER_MAX_TOKENS = 220
# A small model that starts the next section's heading has finished this one.
SMALL_WRITER_STOP = ("\n## ", "\n# ")


def is_small_model(context_length: int | None) -> bool:
    """Whether the model behind a run is a small local one (known by its context window)."""
    return bool(context_length) and context_length < SMALL_CONTEXT


def small_sampling() -> dict:
    """llama.cpp sampling fields (sent in the request body) for a small model's writers.

    Its DRY and repeat penalties end the loops a 135M model falls into in prose. Never for JSON
    answers: there they penalise the closing quote, and the model rambles inside a string until
    max_tokens.
    """
    return {"repeat_penalty": 1.15, "dry_multiplier": 0.8, "dry_base": 1.75, "dry_allowed_length": 2}
