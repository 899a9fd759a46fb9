"""/machines, /profile-groups, /profiles: roasting master data (everyone reads; managers change it).

Order conversion and roast batches are in orderly.api.routers.roasting.
"""

from django.http import HttpRequest
from ninja import Query, Router

from orderly.api.auth import can_change_catalog, can_read
from orderly.api.errors import error_responses
from orderly.api.idempotency import IdempotencyKey, respond
from orderly.api.schemas.production import (
    MachineIn,
    MachineOut,
    MachinePage,
    MachinePatch,
    NameQuery,
    ProfileGroupIn,
    ProfileGroupOut,
    ProfileGroupPage,
    ProfileGroupPatch,
    ProfileIn,
    ProfileOut,
    ProfilePage,
    ProfilePatch,
    ProfileQuery,
    group_dict,
    group_page,
    machine_dict,
    machine_page,
    profile_dict,
    profile_page,
)
from orderly.core.paging import paginate
from orderly.production import selectors
from orderly.production.services import masterdata

router = Router(tags=["production"])

LIST_ERRORS = error_responses(401, 403, 422)
READ_ERRORS = error_responses(401, 403, 404, 422)
CREATE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)


# ---- machines ------------------------------------------------------------------------------------------------


@router.get("/machines", response={200: MachinePage, **LIST_ERRORS}, auth=can_read, summary="List machines")
def list_machines(request: HttpRequest, query: Query[NameQuery]):
    """Roasting machines by name."""
    return machine_page(paginate(selectors.machine_list(q=query.q), page=query.page, page_size=query.page_size))


@router.post("/machines", response={201: MachineOut, **CREATE_ERRORS}, auth=can_change_catalog, summary="Add")
def create_machine(request: HttpRequest, payload: MachineIn, idempotency_key: str | None = IdempotencyKey):
    """A machine with its batch range (green kg) and batches per day."""

    def run():
        return MachineOut.model_validate(machine_dict(masterdata.machine_create(data=payload.model_dump())))

    return respond(request, idempotency_key, run=run, schema=MachineOut, status=201)


@router.get("/machines/{name}", response={200: MachineOut, **READ_ERRORS}, auth=can_read, summary="Get a machine")
def get_machine(request: HttpRequest, name: str):
    return MachineOut.model_validate(machine_dict(selectors.machine_get(name)))


@router.patch("/machines/{name}", response={200: MachineOut, **WRITE_ERRORS}, auth=can_change_catalog, summary="Edit")
def update_machine(request: HttpRequest, name: str, payload: MachinePatch):
    """Change a machine; refused when a profile on it would fall outside its batch range."""
    machine = masterdata.machine_update(
        machine=selectors.machine_get(name), changes=payload.model_dump(exclude_unset=True)
    )
    return MachineOut.model_validate(machine_dict(machine))


# ---- profile groups ------------------------------------------------------------------------------------------


@router.get(
    "/profile-groups", response={200: ProfileGroupPage, **LIST_ERRORS}, auth=can_read, summary="List profile groups"
)
def list_groups(request: HttpRequest, query: Query[NameQuery]):
    """Profile groups by name, each with its roasted product and profiles."""
    return group_page(paginate(selectors.profile_group_list(q=query.q), page=query.page, page_size=query.page_size))


@router.post(
    "/profile-groups", response={201: ProfileGroupOut, **CREATE_ERRORS}, auth=can_change_catalog, summary="Add"
)
def create_group(request: HttpRequest, payload: ProfileGroupIn, idempotency_key: str | None = IdempotencyKey):
    """A group for a roasted product of the catalog (one group per product)."""

    def run():
        group = masterdata.profile_group_create(data=payload.model_dump())
        return ProfileGroupOut.model_validate(group_dict(selectors.profile_group_get(group.name)))

    return respond(request, idempotency_key, run=run, schema=ProfileGroupOut, status=201)


@router.get(
    "/profile-groups/{name}", response={200: ProfileGroupOut, **READ_ERRORS}, auth=can_read, summary="Get a group"
)
def get_group(request: HttpRequest, name: str):
    return ProfileGroupOut.model_validate(group_dict(selectors.profile_group_get(name)))


@router.patch(
    "/profile-groups/{name}", response={200: ProfileGroupOut, **WRITE_ERRORS}, auth=can_change_catalog, summary="Edit"
)
def update_group(request: HttpRequest, name: str, payload: ProfileGroupPatch):
    group = masterdata.profile_group_update(
        group=selectors.profile_group_get(name), changes=payload.model_dump(exclude_unset=True)
    )
    return ProfileGroupOut.model_validate(group_dict(selectors.profile_group_get(group.name)))


# ---- profiles ------------------------------------------------------------------------------------------------


def _profile(name: str) -> ProfileOut:
    return ProfileOut.model_validate(profile_dict(selectors.profile_views([selectors.profile_get(name)])[0]))


@router.get("/profiles", response={200: ProfilePage, **LIST_ERRORS}, auth=can_read, summary="List profiles")
def list_profiles(request: HttpRequest, query: Query[ProfileQuery]):
    """Profiles by group, the group's default first, with the weight loss each works with."""
    page = paginate(selectors.profile_list(q=query.q, group=query.group), page=query.page, page_size=query.page_size)
    return profile_page(page, selectors.profile_views(page.items))


@router.post("/profiles", response={201: ProfileOut, **CREATE_ERRORS}, auth=can_change_catalog, summary="Add")
def create_profile(request: HttpRequest, payload: ProfileIn, idempotency_key: str | None = IdempotencyKey):
    """A profile (recipe) of a group: machines, green lots or a blend's components, batch size, end weight or
    weight loss (neither: the average of its last 10 completed roasts, else 15 %)."""

    def run():
        return _profile(masterdata.profile_create(data=payload.model_dump(mode="json")).name)

    return respond(request, idempotency_key, run=run, schema=ProfileOut, status=201)


@router.get("/profiles/{name}", response={200: ProfileOut, **READ_ERRORS}, auth=can_read, summary="Get a profile")
def get_profile(request: HttpRequest, name: str):
    return _profile(name)


@router.patch("/profiles/{name}", response={200: ProfileOut, **WRITE_ERRORS}, auth=can_change_catalog, summary="Edit")
def update_profile(request: HttpRequest, name: str, payload: ProfilePatch):
    """Change any field; green_lots or components given replace the profile's green coffee."""
    profile = masterdata.profile_update(
        profile=selectors.profile_get(name), changes=payload.model_dump(mode="json", exclude_unset=True)
    )
    return _profile(profile.name)
