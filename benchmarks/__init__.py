"""`make bench`: Clameur's figures against a real server and Redis, next to bare baselines."""
