"""Training rounds, for trainers: the datasets a vote approved, the verified pull, and models with their lineage."""
