"""Dossiers (hồ sơ) synced from the one-stop system: storage, integration upserts, public lookup."""
