# Rasa and the action server: Python 3.10 from the repository's lock file, the model trained at build time.
FROM python:3.10-slim-bookworm
WORKDIR /opt/dvc
COPY requirements/rasa.lock requirements/rasa.lock
RUN python -m venv .venv-rasa && .venv-rasa/bin/pip install --no-cache-dir -r requirements/rasa.lock
COPY . .
RUN useradd --system --home /opt/dvc dvc && mkdir -p var models \
    && .venv-rasa/bin/rasa train --quiet --domain bot/domain --data bot/data --config config.yml --out models \
       --fixed-model-name dvc && chown -R dvc var
USER dvc
ENV PYTHONPATH=/opt/dvc RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3
EXPOSE 5005 5055
