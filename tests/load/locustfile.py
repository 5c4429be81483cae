"""A crew and its office at work: uploads over three APIs, lists, renditions and web pages.

Run by tests/load/runner.py, which starts the server, seeds the companies and passes them in
LOAD_FIXTURE (a JSON file); LOAD_MAX_REQUESTS bounds the run in requests as `-t` bounds it in time.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, events, task
from locust.env import Environment

FIXTURE: dict[str, Any] = json.loads(Path(os.environ["LOAD_FIXTURE"]).read_text())
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "0"))
WAIT = tuple(float(part) for part in os.environ.get("LOAD_WAIT", "1,3").split(","))
PHOTOS = [Path(path).read_bytes() for path in FIXTURE["photos"]]
_seen = {"requests": 0, "stopping": False}
_environment: dict[str, Environment] = {}
_people = itertools.count()
# Each kind of work early on: the uploads, then a list, a rendition and a page, then the rest.
FIRST_ROUND = (
    *("upload_crm", "upload_fulcrum", "upload_maintenance", "list_crm", "fetch_rendition"),
    *("jobs_page", "list_fulcrum", "list_maintenance", "fetch_signed_rendition", "job_page"),
)


@events.init.add_listener
def _keep(environment: Environment, **_: Any) -> None:
    _environment["env"] = environment


@events.request.add_listener
def _bounded(**_: Any) -> None:
    """Stop every user once the run has made its allowance of requests."""
    _seen["requests"] += 1
    if MAX_REQUESTS and _seen["requests"] >= MAX_REQUESTS and not _seen["stopping"]:
        _seen["stopping"] = True
        environment: Environment | None = _environment.get("env")
        if environment is not None and environment.runner is not None:
            gevent.spawn(environment.runner.quit)


@events.quit.add_listener
def _final_stats(**_: Any) -> None:
    """Write every route's final figures to LOAD_STATS, once every user has stopped."""
    stats = _environment["env"].stats

    def figures(entry: Any) -> dict[str, Any]:
        return {
            "name": entry.name,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.50) or 0,
            "p95": entry.get_response_time_percentile(0.95) or 0,
            "p99": entry.get_response_time_percentile(0.99) or 0,
            "max": entry.max_response_time or 0,
            "per_second": entry.total_rps,
        }

    total = figures(stats.total)
    total["name"] = "Aggregated"
    failures = [
        {"Method": e.method, "Name": e.name, "Error": str(e.error), "Occurrences": e.occurrences}
        for e in stats.errors.values()
    ]
    routes = [figures(entry) for entry in stats.entries.values()]
    body = {"routes": routes, "total": total, "failures": failures}
    Path(os.environ["LOAD_STATS"]).write_text(json.dumps(body))


class CrewAndOffice(HttpUser):
    """One person of one company: their phone uploads, their office lists and browses."""

    wait_time = between(WAIT[0], WAIT[1])

    def on_start(self) -> None:
        """Be the next person: a CSRF token for the maintenance API, then sign in to the web app."""
        number = next(_people)
        companies = FIXTURE["companies"]
        self.company: dict[str, Any] = companies[number % len(companies)]
        people = self.company["people"]
        person = people[(number // len(companies)) % len(people)]
        self.key = person["api_key"]
        token = self.client.get(
            "/api/security/csrf-token", headers=self._bearer, name="GET /api/security/csrf-token"
        )
        self.csrf = token.json()["data"]["token"] if token.ok else ""
        self.client.post(
            "/login",
            data={"email": person["email"], "password": person["password"]},
            headers={"Origin": self.host or ""},
            name="POST /login",
        )
        # One of everything first, so that even a short run reaches every route; then the mix.
        for step in FIRST_ROUND:
            getattr(self, step)()

    @property
    def _bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def _job(self) -> dict[str, Any]:
        job: dict[str, Any] = random.choice(self.company["jobs"])
        return job

    def _photo(self) -> tuple[str, bytes, str]:
        return (f"site-{uuid.uuid4().hex[:8]}.jpg", random.choice(PHOTOS), "image/jpeg")

    @task(2)
    def upload_crm(self) -> None:
        """A phone uploads a photo through the CRM API."""
        self.client.post(
            f"/api/v1/jobs/{self._job()['uuid']}/photos",
            headers=self._bearer,
            data={"photo_type": random.choice(["before", "during", "after"])},
            files={"photos": self._photo()},
            name="POST /api/v1/jobs/[job]/photos",
        )

    @task(2)
    def upload_fulcrum(self) -> None:
        """A Fulcrum app uploads a photo with its own access key, linked to a job."""
        self.client.post(
            "/api/v2/photos.json",
            headers={"X-ApiToken": self.key, "Accept": "application/json"},
            data={"photo[access_key]": str(uuid.uuid4()), "photo[record_id]": self._job()["uuid"]},
            files={"photo[file]": self._photo()},
            name="POST /api/v2/photos.json",
        )

    @task(2)
    def upload_maintenance(self) -> None:
        """The maintenance app uploads a photo, with its CSRF token."""
        self.client.post(
            "/api/jobs/photos",
            headers={**self._bearer, "X-CSRF-Token": self.csrf},
            data={"action": "upload", "job_id": str(self._job()["id"]), "photo_type": "during"},
            files={"photo": self._photo()},
            name="POST /api/jobs/photos?action=upload",
        )

    @task(3)
    def list_crm(self) -> None:
        """The CRM lists a job's photos."""
        self.client.get(
            f"/api/v1/jobs/{self._job()['uuid']}/photos",
            headers=self._bearer,
            params={"limit": 20},
            name="GET /api/v1/jobs/[job]/photos",
        )

    @task(3)
    def list_fulcrum(self) -> None:
        """A Fulcrum client pages through the company's photos."""
        self.client.get(
            "/api/v2/photos.json",
            headers={"X-ApiToken": self.key},
            params={"per_page": 20},
            name="GET /api/v2/photos.json",
        )

    @task(3)
    def list_maintenance(self) -> None:
        """The maintenance app lists a job's photos by group."""
        self.client.get(
            "/api/jobs/photos",
            headers=self._bearer,
            params={"job_id": self._job()["id"]},
            name="GET /api/jobs/photos",
        )

    @task(4)
    def fetch_rendition(self) -> None:
        """A Fulcrum client fetches a photo's thumbnail or large rendition."""
        version = random.choice(["thumbnail", "large"])
        self.client.get(
            f"/api/v2/photos/{random.choice(self.company['photos'])}/{version}.jpg",
            headers={"X-ApiToken": self.key},
            name=f"GET /api/v2/photos/[key]/{version}.jpg",
        )

    @task(3)
    def fetch_signed_rendition(self) -> None:
        """A browser follows a signed rendition link (to this server or the S3 store)."""
        self.client.get(random.choice(self.company["links"]), name="GET [signed rendition link]")

    @task(3)
    def jobs_page(self) -> None:
        """The office opens the jobs list."""
        self._page("/app/jobs", "GET /app/jobs")

    @task(3)
    def job_page(self) -> None:
        """The office opens a job's page."""
        path = f"/app/{self.company['uuid']}/jobs/{self._job()['uuid']}"
        self._page(path, "GET /app/[company]/jobs/[job]")

    def _page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as answer:
            # Without a session the page redirects to the sign-in form, which answers 200.
            if answer.ok and urlsplit(answer.url or "").path == "/login":
                answer.failure("not signed in")
