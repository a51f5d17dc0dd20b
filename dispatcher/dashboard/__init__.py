"""The manager's dashboard: figures per salesperson, source, listing and hour.

Kept as rollups (`rollups`): each whole office day, week and month computed once and
added up; today and days a late change made stale are read from the records (`raw`),
and the clock (`upkeep`) rebuilds those from a trigger-fed change log. Rollups pay at
scale: at 1,000,000 leads (bench/README.md) a year's figures take 78 ms (SQLite) /
169 ms (PostgreSQL) instead of 6.9 s / 4.0 s; at one office's size, ~0.2 s (estimate)."""
