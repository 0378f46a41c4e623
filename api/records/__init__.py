"""Conversation records, ratings, feedback and handoff tickets (issue 5), and the reports computed from them."""
