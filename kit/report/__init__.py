"""Run layer: batch reports (papermill workers, HTML export, index page) and README images."""
