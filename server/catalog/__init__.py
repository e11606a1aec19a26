"""The catalog: product categories, products and services, price lists and the pricing rule."""
