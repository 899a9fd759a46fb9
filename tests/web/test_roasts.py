"""Roasts pages: the menu, machines, profile groups, profiles, green coffee; per role, with refusals that name the
field and change nothing."""

import re
from decimal import Decimal

import pytest

from orderly.production.models import Machine, Profile, ProfileGreen, ProfileGroup
from orderly.production.services import masterdata
from tests.production.helpers import green, machine, roasted_product, roastery
from tests.web.helpers import messages_of, text

D = Decimal
pytestmark = pytest.mark.django_db


def machines() -> list[tuple]:
    return list(Machine.objects.order_by("id").values_list("name", "min_batch_kg", "max_batch_kg", "batches_per_day"))


def profiles() -> list[tuple]:
    return list(Profile.objects.order_by("id").values_list("name", "group__name", "batch_kg", "end_kg", "is_active"))


def test_the_roasts_menu_is_in_every_page(viewer):
    page = viewer.get("/orders/").content.decode()
    menu = page.split('<details class="menu nav-menu">', 1)[1].split("</details>", 1)[0]
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', menu) == [
        ("/roasts/schedules/", "Schedules"),
        ("/roasts/profiles/", "Profiles"),
        ("/roasts/machines/", "Machines"),
        ("/roasts/green-coffee/", "Green coffee"),
    ]


def test_roast_pages_have_no_inline_scripts(manager):
    roastery()
    for page in ("/roasts/machines/", "/roasts/profiles/", "/roasts/green-coffee/", "/roasts/schedules/",
                 "/roasts/machines/new/", "/roasts/profiles/new/", "/roasts/profile-groups/new/"):  # fmt: skip
        html = manager.get(page).content.decode()
        assert ("<script>" in html, " onclick=" in html, " onsubmit=" in html, " onchange=" in html) == (
            False, False, False, False,
        ), page  # fmt: skip


# ---------------------------------------------------------------------------------------------- machines


def test_machines_list_for_everyone_edit_for_managers(viewer, manager):
    machine("Probat 12", "5", "15", 8)
    seen = text(viewer.get("/roasts/machines/"))
    assert "1 machine. Name Minimum batch kg Maximum batch kg Batches per day Active Probat 12 5 15 8 Yes" in seen
    assert "Add machine" not in seen
    assert "Add machine" in text(manager.get("/roasts/machines/"))


def test_a_manager_adds_a_machine(manager):
    response = manager.post(
        "/roasts/machines/new/",
        {"name": "Giesen W15", "min_batch_kg": "4", "max_batch_kg": "15", "batches_per_day": "10", "is_active": "1"},
        follow=True,
    )
    assert messages_of(response) == ["Machine Giesen W15 added."]
    assert machines() == [("Giesen W15", D("4.000"), D("15.000"), 10)]


def test_a_machine_with_max_below_min_is_refused_naming_the_field(manager):
    response = manager.post(
        "/roasts/machines/new/",
        {"name": "Giesen W15", "min_batch_kg": "15", "max_batch_kg": "4", "batches_per_day": "10"},
    )
    assert response.status_code == 422
    page = text(response)
    assert "Nothing was saved. Maximum batch (kg green) (4.000) must be at least min_batch_kg (15.000)." in page
    field = 'name="max_batch_kg" value="4" required aria-required="true" inputmode="decimal" aria-invalid="true"'
    assert field in response.content.decode()
    assert machines() == []


def test_editing_a_machine_so_a_profile_falls_outside_is_refused(manager):
    product, profile, lot = roastery()
    probat = Machine.objects.get(name="Probat 12")
    response = manager.post(
        f"/roasts/machines/{probat.pk}/edit/",
        {"name": "Probat 12", "min_batch_kg": "5", "max_batch_kg": "10", "batches_per_day": "8", "is_active": "1"},
    )
    assert response.status_code == 422
    assert (
        "Profile Espresso blend medium roasts 12.000 kg batches on Probat 12; the range 5.000–10.000 kg would leave it "
        "outside." in text(response)
    )
    assert machines() == [("Probat 12", D("5.000"), D("15.000"), 8)]


def test_operators_and_viewers_cannot_change_machines(clients):
    machine()
    for role in ("viewer", "operator"):
        assert clients[role].get("/roasts/machines/new/").status_code == 403
        response = clients[role].post(
            "/roasts/machines/new/", {"name": "X", "min_batch_kg": "1", "max_batch_kg": "2", "batches_per_day": "1"}
        )
        assert response.status_code == 403
    assert machines() == [("Probat 12", D("5.000"), D("15.000"), 8)]


def test_an_unknown_machine_is_404(manager):
    assert manager.get("/roasts/machines/999999/edit/").status_code == 404


# ---------------------------------------------------------------------------------------------- profiles


def test_the_profiles_page_lists_groups_with_their_profiles_and_figures(viewer):
    product, profile, lot = roastery()
    page = text(viewer.get("/roasts/profiles/"))
    assert (
        "Espresso blend makes Espresso blend Profile Machines Green coffee Batch kg End kg Weight loss % Active "
        f"Espresso blend medium Probat 12 {lot.number} 12 10.2 15 Yes"
    ) in page


def test_a_manager_adds_a_group_and_a_profile(manager):
    roasted_product("Filter roast", "FIL-250")
    machine()
    lot = green("Ethiopia Guji", 50)
    response = manager.post("/roasts/profile-groups/new/", {"name": "Filter", "product": "Filter roast"}, follow=True)
    assert messages_of(response) == ["Profile group Filter added."]
    response = manager.post(
        "/roasts/profiles/new/",
        {"group": "Filter", "name": "Filter light", "machines": "Probat 12", "green_lots": lot.number,
         "batch_kg": "10", "weight_loss": "14", "is_active": "1"},
        follow=True,
    )  # fmt: skip
    assert messages_of(response) == ["Profile Filter light added to Filter."]
    assert profiles() == [("Filter light", "Filter", D("10.000"), D("8.600"), True)]
    assert list(ProfileGreen.objects.values_list("lot__number", "kg_per_batch")) == [(lot.number, None)]


def test_a_blend_profile_from_its_components(manager):
    product = roasted_product()
    machine()
    brazil, colombia = green("Brazil", 50), green("Colombia", 50)
    masterdata.profile_group_create(data={"name": "Espresso", "product": product.name})
    response = manager.post(
        "/roasts/profiles/new/",
        {"group": "Espresso", "name": "Espresso blend", "machines": "Probat 12",
         "components": f"{brazil.number} 60\n{colombia.number} 40", "batch_kg": "12", "end_kg": "10.2"},
    )  # fmt: skip
    assert response.status_code == 302
    assert list(ProfileGreen.objects.order_by("rank").values_list("lot__number", "kg_per_batch")) == [
        (brazil.number, D("7.200")),
        (colombia.number, D("4.800")),
    ]


def test_blend_shares_not_adding_up_are_refused_naming_the_components(manager):
    product = roasted_product()
    machine()
    brazil, colombia = green("Brazil", 50), green("Colombia", 50)
    masterdata.profile_group_create(data={"name": "Espresso", "product": product.name})
    response = manager.post(
        "/roasts/profiles/new/",
        {"group": "Espresso", "name": "Espresso blend", "machines": "Probat 12",
         "components": f"{brazil.number} 60\n{colombia.number} 30", "batch_kg": "12", "end_kg": "10.2"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "The components' shares must add up to 100 %, they add up to 90 %." in text(response)
    assert 'id="f-components-error"' in response.content.decode()
    assert profiles() == []


def test_a_batch_size_outside_the_machine_is_refused_naming_the_batch_size(manager):
    product, profile, lot = roastery()
    response = manager.post(
        f"/roasts/profiles/{profile.pk}/edit/",
        {"group": product.name, "name": profile.name, "machines": "Probat 12", "green_lots": lot.number,
         "batch_kg": "20", "end_kg": "17", "is_active": "1"},
    )  # fmt: skip
    assert response.status_code == 422
    assert (
        "Batch size (start weight, kg green) 20.000 is outside machine Probat 12's range of 5.000–15.000 kg."
        in text(response)
    )
    assert 'id="f-batch-kg-error"' in response.content.decode()
    assert profiles() == [("Espresso blend medium", "Espresso blend", D("12.000"), D("10.200"), True)]


def test_a_weight_loss_over_40_is_refused_naming_it(manager):
    product, profile, lot = roastery()
    response = manager.post(
        f"/roasts/profiles/{profile.pk}/edit/",
        {"group": product.name, "name": profile.name, "machines": "Probat 12", "green_lots": lot.number,
         "batch_kg": "12", "weight_loss": "45", "is_active": "1"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "Weight loss % must be between 0 and 40 %, got 45." in text(response)
    assert profiles() == [("Espresso blend medium", "Espresso blend", D("12.000"), D("10.200"), True)]


def test_a_manager_edits_a_profile_weight_loss(manager):
    product, profile, lot = roastery()
    response = manager.post(
        f"/roasts/profiles/{profile.pk}/edit/",
        {"group": product.name, "name": profile.name, "machines": "Probat 12", "green_lots": lot.number,
         "batch_kg": "12", "end_kg": "10.2", "weight_loss": "16", "is_active": "1"},
        follow=True,
    )  # fmt: skip
    assert messages_of(response) == ["Profile Espresso blend medium saved."]
    assert profiles() == [("Espresso blend medium", "Espresso blend", D("12.000"), D("10.080"), True)]


def test_a_group_for_a_product_that_has_one_is_refused(manager):
    product, profile, lot = roastery()
    response = manager.post("/roasts/profile-groups/new/", {"name": "Another", "product": product.name})
    assert response.status_code == 409
    assert "Product Espresso blend already has a profile group." in text(response)
    assert list(ProfileGroup.objects.values_list("name", flat=True)) == ["Espresso blend"]


def test_a_manager_renames_a_group(manager):
    product, profile, lot = roastery()
    group = ProfileGroup.objects.get()
    response = manager.post(f"/roasts/profile-groups/{group.pk}/edit/", {"name": "Espresso", "product": product.name})
    assert response.status_code == 302
    assert list(ProfileGroup.objects.values_list("name", flat=True)) == ["Espresso"]


def test_operators_cannot_change_profiles(op):
    product, profile, lot = roastery()
    assert op.get("/roasts/profiles/new/").status_code == 403
    assert op.post(f"/roasts/profiles/{profile.pk}/edit/", {"name": "X"}).status_code == 403
    assert op.post("/roasts/profile-groups/new/", {"name": "X", "product": product.name}).status_code == 403
    assert profiles() == [("Espresso blend medium", "Espresso blend", D("12.000"), D("10.200"), True)]


# ---------------------------------------------------------------------------------------------- green coffee


def test_green_coffee_lists_raw_lots_and_links_to_receiving(viewer, op):
    roastery(green_kg=80)
    lot = green("Colombia Huila", "25.5", lot_date="2026-02-01")
    page = text(viewer.get("/roasts/green-coffee/"))
    assert "2 green lots with stock." in page
    assert f"{lot.number} Colombia Huila 2026-02-01 25.5 0 25.5" in page
    assert "Receive green coffee" not in page
    html = op.get("/roasts/green-coffee/").content.decode()
    assert 'href="/inventory/receive/?kind=raw"' in html
    receive = op.get("/inventory/receive/?kind=raw").content.decode()
    assert '<option value="raw" selected>' in receive
