"""Products, categories and price lists."""
