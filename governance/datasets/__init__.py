"""Datasets: filters select scored contributions, which become a pinned Croissant manifest and a Merkle root."""
