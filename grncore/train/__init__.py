"""Torch device resolution (`device`), the torch-free description of this machine's devices
(`hardware`, for the sidebar), the training loop, and the progress/cancel protocol jobs use."""
