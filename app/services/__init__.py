"""Domain logic: plain Python, no Qt. The UI calls these and receives plain data."""
