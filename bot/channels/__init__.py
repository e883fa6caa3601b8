"""Channel adapters: each parses inbound payloads, renders outbound messages and maps
provider errors to outcomes. Flows never import a channel."""
