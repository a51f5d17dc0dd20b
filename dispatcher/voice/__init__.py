"""Voice beside SMS: pages by voice call, the SMS outage switch, missed callers and call
recording (README, "Voice pages and calls")."""
