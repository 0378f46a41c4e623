-- The tracker store's own database next to the API's (both owned by the POSTGRES_USER of docker-compose.yml).
CREATE DATABASE dvc_tracker;
