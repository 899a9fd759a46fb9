"""Every write to production: machines, profile groups and profiles; order conversion edits; roast batches.

Keyword-only; refusals raise DomainErrors (ValidationError 422 naming the field, NotFound 404, Conflict 409) and
write nothing.

    masterdata.machine_create(*, data) -> Machine
    masterdata.machine_update(*, machine, changes) -> Machine
    masterdata.profile_group_create(*, data) -> ProfileGroup
    masterdata.profile_group_update(*, group, changes) -> ProfileGroup
    masterdata.profile_create(*, data) -> Profile
    masterdata.profile_update(*, profile, changes) -> Profile

Green coffee is received and adjusted through orderly.inventory.services (stock_receive kind "raw", stock_adjust).
"""
