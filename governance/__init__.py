"""The DAO's rules: rewards, datasets, proposals, rounds, pulls and lineage. Imports the core and chain."""
