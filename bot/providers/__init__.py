"""Providers are adapters too: outside services Benken calls (e-mail by SMTP; machine
translation and speech to text where configured). Each is optional, configured in the
environment, replaced by a loopback test double in tests, and imports nothing else of ours."""
