"""The project's locked dependencies: uv.lock, the requirement files exported from it, and checks."""
