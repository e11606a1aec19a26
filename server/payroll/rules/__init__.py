"""Tax rules: the company's taxes and contributions as data, their presets, and how a rule computes a tax."""
