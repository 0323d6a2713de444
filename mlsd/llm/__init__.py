"""LLM plumbing: the chat-model factory, structured output, limits, tokens, pricing, the embedded server."""
