"""The Zalo adapter of the chat gateway (gateway.core does the rest): the Zalo Bot Platform over plain HTTP."""
