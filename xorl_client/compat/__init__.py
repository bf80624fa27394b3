"""Compatibility with code written for the official xorl-client (and its spellings).

* :mod:`xorl_client.compat.official` - the alias tables: official parameter names, environment
  variable names and result adapters, one table per concern.
* :mod:`xorl_client.compat.error_forms` - the official exception constructors.

``docs/compatibility.md`` lists every official call, its equivalent here and the deliberate
differences.
"""
