"""The base sources a chain starts from, one module per kind."""
