"""Staff accounts, login sessions, CSRF and the server-rendered admin pages (issue 5)."""
