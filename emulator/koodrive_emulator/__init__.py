"""KooDrive emulator."""
