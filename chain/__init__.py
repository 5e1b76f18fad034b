"""Everything that speaks JSON-RPC to the chain. Imports the core only."""
