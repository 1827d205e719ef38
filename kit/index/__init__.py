"""Index layer: the lexicon, tokenizing and counting (map / merge), the phrase index and its cache."""
