"""Request and response models, one module per route module of `api/routes/`."""
