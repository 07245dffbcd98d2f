"""Bench-only routes (settings.BENCH): the floor endpoint every figure is compared with."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

FIXED = [{"id": i, "name": f"Item {i}", "amount": f"{i * 10}.00", "active": i % 2 == 0}
         for i in range(50)]


class FloorView(APIView):
    """50 fixed objects through DRF: the cheapest request the stack can serve."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    def get(self, request):
        return Response({"next": None, "previous": None, "results": FIXED})


urlpatterns = [path("floor/", FloorView.as_view(), name="bench-floor")]
