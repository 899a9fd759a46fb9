"""The shipping pages."""

urlpatterns: list = []
