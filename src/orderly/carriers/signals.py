"""Signals the carriers area sends after a commit.

`parcel_status_changed(sender=Parcel, parcel=…, fulfillment=…, status=TrackingStatus, occurred_at=datetime)`:
a parcel's tracking moved to a new status (from a carrier webhook or the periodic poll). Sent once the
transaction that recorded it has committed, once per change (a replayed webhook sends nothing).
"""

from django.dispatch import Signal

parcel_status_changed = Signal()
