"""Locking what production owns: roast batches after the green lots they hold (orderly.core.locks), and its master
data (machines, profile groups, profiles), each locked alone by the service that edits it."""

from orderly.core.locks import lock_row
from orderly.production.models import Machine, Profile, ProfileGroup, RoastBatch


def lock_roast_batch(pk: int) -> RoastBatch | None:
    """The roast batch with this id locked (its profile, machine, product and plan loaded, not locked), or None."""
    return lock_row(RoastBatch.objects.filter(pk=pk).select_related("profile", "machine", "product", "plan"))


def lock_machine(pk: int) -> Machine:
    found = lock_row(Machine.objects.filter(pk=pk))
    if found is None:
        raise Machine.DoesNotExist(f"No machine {pk}.")
    return found


def lock_profile_group(pk: int) -> ProfileGroup:
    found = lock_row(ProfileGroup.objects.filter(pk=pk))
    if found is None:
        raise ProfileGroup.DoesNotExist(f"No profile group {pk}.")
    return found


def lock_profile(pk: int) -> Profile:
    """The profile locked, its group loaded (not locked)."""
    found = lock_row(Profile.objects.filter(pk=pk).select_related("group"))
    if found is None:
        raise Profile.DoesNotExist(f"No profile {pk}.")
    return found
