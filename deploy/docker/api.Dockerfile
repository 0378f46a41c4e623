# The API (and the gateways): Python 3.11 from the repository's lock file.
FROM python:3.11-slim-bookworm
WORKDIR /opt/dvc
COPY requirements/api.lock requirements/api.lock
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir -r requirements/api.lock
COPY . .
RUN useradd --system --home /opt/dvc dvc && mkdir -p var && chown dvc var
USER dvc
ENV PYTHONPATH=/opt/dvc
EXPOSE 8000
CMD [".venv/bin/uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--timeout-keep-alive", "30", "--proxy-headers", "--forwarded-allow-ips", "*"]
