"""Widget layer: the ipywidgets explorer."""
