"""Signals shipping sends after a commit, for the areas above it that act on a parcel (customer e-mails).

`tracking_assigned(sender=Fulfillment, fulfillment=…)`: a fulfillment to ship got its tracking number, typed in
when it was created or booked with a carrier later. Sent once the transaction that recorded it has committed.
"""

from django.dispatch import Signal

tracking_assigned = Signal()
