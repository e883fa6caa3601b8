"""Staff tools: the Telegram desk and the web desk, calling the domain."""
