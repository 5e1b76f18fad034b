"""Reward epochs: the published formula, closing an epoch, its report and its verification, and reward claims."""
