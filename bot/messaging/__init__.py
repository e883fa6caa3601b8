"""Messages in and out: the inbox every channel hands its messages to, the durable outbox
and its sender, the notices Benken sends on its own, scheduled reminders, quiet hours."""
