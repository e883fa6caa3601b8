"""What staff read about many residents at once: the digest and the impact figures as data,
their layout and renderers, their delivery, and exports."""
