"""Benken: the running system (settings, storage, channels, scheduler, digests, web, CLI)."""
