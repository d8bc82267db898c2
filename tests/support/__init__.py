"""Real parts for tests: redis-server, a uvicorn server process, clients."""
