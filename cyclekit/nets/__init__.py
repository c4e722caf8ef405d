"""Networks shared by several method families: a digit classifier, normalisation layers and weight init."""
