"""REST API of backups: the same permissions and facility restriction as the pages, the model's rules on write,
the status with checks and restore point, and verification started over the API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from mamori.accounts.models import ApiToken
from mamori.backups.models import BackupJob, VerificationRun
from mamori.demo.loader import load_demo
from mamori.tenancy.models import Facility
from tests import factories
from tests.backups.helpers import site

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    _token, clear = ApiToken.issue(user, "test")  # type: ignore[arg-type]
    return Client(HTTP_AUTHORIZATION=f"Token {clear}")


@pytest.mark.parametrize("name", ["api:backupjob-list", "api:backupcopy-list", "api:verificationrun-list",
                                  "api:restoredrill-list"])
def test_anonymous_401_and_no_permission_403(client: Client, name: str) -> None:
    s = site()
    assert client.get(reverse(name)).status_code == 401
    assert _client(factories.user("privacy_officer", s.facility)).get(reverse(name)).status_code == 403


def test_jobs_carry_their_checks_and_restore_point_and_stay_in_their_facility() -> None:
    load_demo(assets_target=300)
    facility = Facility.objects.get()
    other = site()
    body = _client(factories.user("it_staff", facility)).get(reverse("api:backupjob-list")).json()
    rows = {r["code"]: r for r in body["results"]} if "results" in body else {r["code"]: r for r in body}
    assert set(rows) == {"BK-EHR", "BK-IJI", "BK-FILE"}  # not the other facility's BK-1
    assert rows["BK-FILE"]["status"]["newest_state"] == "encrypted"
    assert rows["BK-FILE"]["status"]["last_clean"]["short_id"]
    assert {c["code"] for c in rows["BK-EHR"]["status"]["checks"]} == {"no_safe_copy", "same_segment", "same_domain"}
    outsider = _client(factories.user("it_staff", other.facility))
    assert outsider.get(reverse("api:backupjob-detail", args=[rows["BK-FILE"]["id"]])).status_code == 404


def test_verification_over_the_api_and_an_inspector_cannot_start_one() -> None:
    load_demo(assets_target=300)
    facility = Facility.objects.get()
    job = BackupJob.objects.get(code="BK-FILE")
    url = reverse("api:backupjob-verify", args=[job.pk])
    before = VerificationRun.objects.filter(job=job).count()
    assert _client(factories.user("inspector", facility)).post(url).status_code == 403
    response = _client(factories.user("it_staff", facility)).post(url)
    assert response.status_code == 200 and response.json()["newest_state"] == "encrypted"
    assert len(response.json()["verdicts"]) == 8
    assert VerificationRun.objects.filter(job=job).count() == before + 1


def test_a_job_written_over_the_api_follows_the_model_s_rules() -> None:
    s = site()
    api = _client(factories.user("it_staff", s.facility))
    base = {"facility": s.facility.pk, "code": "BK-API", "name": "PACS", "system": s.server.pk, "tool": "restic",
            "repository": "/srv/restic/pacs", "schedule": "毎日", "rpo_hours": 24, "generations_required": 7}
    refused = api.post(reverse("api:backupjob-list"), base, content_type="application/json")
    assert refused.status_code == 400 and "password_file" in refused.json()  # where is the password?
    created = api.post(reverse("api:backupjob-list"), {**base, "password_env": "RESTIC_PACS"},
                       content_type="application/json")
    assert created.status_code == 201, created.content
    elsewhere = site()
    foreign = api.post(reverse("api:backupjob-list"), {**base, "code": "BK-X", "password_env": "X",
                                                       "system": elsewhere.server.pk}, content_type="application/json")
    assert foreign.status_code == 400 and "system" in foreign.json()
