"""KooDrive SDK."""
