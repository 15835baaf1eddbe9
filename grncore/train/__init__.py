"""Torch device resolution, the training loop, and the progress/cancel protocol jobs use."""
