"""Load layer: the loaders that compose io + prepare into canonical tables, and validation."""
