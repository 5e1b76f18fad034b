"""The terminal edge: `polyphony` commands."""
