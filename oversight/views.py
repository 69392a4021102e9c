from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from departments import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"departments": selectors.department_list_with_counts()})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        row = cursor.fetchone()
    return JsonResponse({"database": "ok", "pgvector": row[0] if row else None})
