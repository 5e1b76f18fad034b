"""The HTTP edge: routes parse, call one service function, and answer with a response model."""
