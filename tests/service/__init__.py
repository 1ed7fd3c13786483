"""The plugio service: many processes, one stream."""
