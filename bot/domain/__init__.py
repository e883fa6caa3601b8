"""The rules: residents, ideas, dugnad and its waiting list, safety, staff access and the
queries they share. Plain async functions that take the session first and return rows;
never text for a reader, never a channel."""
