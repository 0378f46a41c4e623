"""Lessons for classroom mode (kb/lessons) and teachers' class sessions."""
