"""Money, messages, the route rules and the posted-record guard."""
