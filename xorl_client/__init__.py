"""xorl-client: the Python SDK for the xorl LLM training server."""
