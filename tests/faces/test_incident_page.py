"""The public incident pages: one incident with its officers and links, and a department's list."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from departments.models import Link
from tests import factories
from tests.conftest import client_for

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def incident(allowed_department, officer):
    second = factories.officer(allowed_department, first_name="Sam", last_name="Okafor", badge_number="1002")
    made = factories.incident(
        allowed_department,
        officers=[officer, second],
        location=f"Elm {SCRIPT} Street",
        description=f"Line one\n{SCRIPT}<img src=x onerror=alert(1)>",
        report_number="RD-77",
    )
    factories.link(incident=made, title=f"{SCRIPT} Local paper", url="https://news.example.org/a?b=1&c=<2>")
    return made


def test_anyone_reads_an_incident_with_its_officers_and_links(client, incident, officer):
    response = client.get(reverse("incident_detail", args=[incident.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "RD-77" in page and "Springfield Police Department" in page
    assert reverse("officer_detail", args=[officer.pk]) in page and "Okafor" in page
    assert "Local paper" in page


def test_titles_descriptions_and_locations_are_escaped(client, incident):
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "<script>" not in page.split("</head>", 1)[1].replace('<script src="', "")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Line one<br>" in page


def test_links_open_without_referrer_or_opener_and_are_not_followed_by_search_engines(client, incident):
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    anchors = re.findall(r'<a href="https://news\.example\.org[^"]*"([^>]*)>', page)
    assert anchors, page
    for attributes in anchors:
        rel = set(re.search(r'rel="([^"]*)"', attributes).group(1).split())
        assert {"noopener", "noreferrer", "nofollow"} <= rel
    assert 'href="https://news.example.org/a?b=1&amp;c=&lt;2&gt;"' in page or "c=%3C2%3E" in page


def test_a_link_stored_with_a_javascript_address_cannot_exist(incident):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Link.objects.create(incident=incident, title="x", url="javascript:alert(1)")


def test_an_unknown_incident_is_not_found(client, db):
    assert client.get(reverse("incident_detail", args=[999999])).status_code == 404


def test_the_department_page_lists_its_newest_incidents_and_leads_to_all_of_them(client, incident, allowed_department):
    page = client.get(reverse("department_detail", args=[allowed_department.slug])).content.decode()
    assert reverse("incident_detail", args=[incident.pk]) in page
    assert reverse("department_incidents", args=[allowed_department.slug]) in page
    listing = client.get(reverse("department_incidents", args=[allowed_department.slug]))
    assert listing.status_code == 200 and reverse("incident_detail", args=[incident.pk]) in listing.content.decode()


def test_the_officer_page_links_each_incident_to_its_page(client, incident, officer):
    page = client.get(reverse("officer_detail", args=[officer.pk])).content.decode()
    assert reverse("incident_detail", args=[incident.pk]) in page


@pytest.mark.parametrize("role", ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin"])
def test_only_editors_see_the_edit_links_on_the_public_incident_pages(users, incident, allowed_department, role):
    client = client_for(users[role])
    detail = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    department = client.get(reverse("department_detail", args=[allowed_department.slug])).content.decode()
    editor = role in ("coordinator", "admin")
    assert ('id="edit-record"' in detail) == editor
    assert (reverse("review_record_changes", args=[allowed_department.slug]) in department) == editor


def test_the_incident_pages_answer_only_get(client, incident):
    assert client.post(reverse("incident_detail", args=[incident.pk])).status_code == 405
