"""Language: what residents and staff read, in their own language (catalogs, labels, CLDR
formatting, right-to-left isolation). No database, no channel: every layer may use it."""
