from django.db import models


class ChannelKind(models.TextChoices):
    MANUAL = "manual", "Manually entered"  # orders typed in by a person or posted to the API


class SalesChannel(models.Model):
    """Where orders come from: a shop, a marketplace, a file, or manual entry."""

    MANUAL_NAME = "Manual"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=32, choices=ChannelKind.choices)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name
