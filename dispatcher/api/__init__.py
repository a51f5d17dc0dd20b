"""The JSON API for other systems: log a lead, read it, acknowledge it, list and add
salespeople; bearer tokens per caller; the OpenAPI description it serves."""
