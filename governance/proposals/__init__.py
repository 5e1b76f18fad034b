"""Proposals: a curator asks the DAO to approve a dataset; relayed ballots and delegations; the keeper."""
