"""Practice dossiers: a student fills a made-up dossier in the chat, looks it up and follows its status."""
