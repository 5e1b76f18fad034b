"""Who is calling: single-use sign-in nonces and bearer tokens, both kept in Redis.

The EIP-4361 message itself is checked in `chain/siwe.py` (it needs a signature library the core does not
import); `chain/sign_in.py` puts the two together.
"""
