"""The school-year calendar (kb/calendar): dated windows bound to their year, and chats' reminders of them."""
