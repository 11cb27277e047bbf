"""A small image-classification substrate (classifier, datasets, accuracy) in mmx's registries."""
