"""The coffee roaster the demo data describes: its products, shops and customers."""

from decimal import Decimal

# Dutch food VAT; every product here is coffee.
TAX_RATE = Decimal("9.00")

# (name, SKU code, description, {grams: price}, active)
PRODUCTS = [
    (
        "Espresso blend",
        "ESP",
        "Brazil Cerrado and Guatemala Antigua, roasted dark: chocolate, hazelnut, a long finish.",
        {250: "8.50", 500: "15.50", 1000: "28.00"},
        True,
    ),
    (
        "House blend",
        "HOU",
        "Our everyday filter and espresso coffee: Colombia and Honduras, medium roast, caramel and nuts.",
        {250: "7.50", 500: "13.50", 1000: "24.00"},
        True,
    ),
    (
        "Ethiopia Yirgacheffe",
        "ETH",
        "Washed heirloom varieties from Gedeo, light roast: jasmine, bergamot, lemon.",
        {250: "10.50", 1000: "36.00"},
        True,
    ),
    (
        "Colombia Huila",
        "COL",
        "Caturra and Castillo from smallholders around Pitalito, medium roast: red apple, panela.",
        {250: "9.50", 1000: "32.00"},
        True,
    ),
    (
        "Decaf Swiss Water",
        "DEC",
        "Decaffeinated with water only, no solvents; Peru, medium roast: cocoa and almond.",
        {250: "9.00", 1000: "30.00"},
        True,
    ),
    (
        "Kenya Nyeri AA",
        "KEN",
        "SL28 and SL34 from the Nyeri highlands, light roast: blackcurrant, grapefruit.",
        {250: "11.50"},
        True,
    ),
    (
        "Guatemala Huehuetenango",
        "GUA",
        "Seasonal single origin, sold out until the next harvest arrives.",
        {250: "10.00", 1000: "34.00"},
        False,
    ),
]

WEBSHOP, MARKETPLACE, WHOLESALE_PORTAL, MANUAL = "Webshop", "Marketplace", "Wholesale portal", "Manual"
SHOP_CHANNELS = (WEBSHOP, MARKETPLACE, WHOLESALE_PORTAL)
# A channel that really pulls: the built-in sandbox shop makes a few new orders each sync, some with problems.
SANDBOX = "Sandbox shop (made-up orders)"
SANDBOX_SKUS = ["ESP-250", "ESP-1000", "HOU-250", "HOU-500"]

# How many of the demo orders each channel brought in.
CHANNEL_ORDERS = {WEBSHOP: 24, MARKETPLACE: 14, WHOLESALE_PORTAL: 12, MANUAL: 10}

# Each shop's own words for an order's state: draft, open, closed, canceled.
EXTERNAL_STATUS = {
    WEBSHOP: {"draft": "pending", "open": "processing", "closed": "completed", "canceled": "cancelled"},
    MARKETPLACE: {"draft": "unpaid", "open": "paid", "closed": "shipped", "canceled": "cancelled"},
    WHOLESALE_PORTAL: {"draft": "submitted", "open": "confirmed", "closed": "delivered", "canceled": "withdrawn"},
    MANUAL: {},
}


def _address(name, line1, postal_code, city, country, phone, email, company="", region="", line2=""):
    return {
        "name": name,
        "company": company,
        "line1": line1,
        "line2": line2,
        "postal_code": postal_code,
        "city": city,
        "region": region,
        "country": country,
        "phone": phone,
        "email": email,
    }


RETAIL_CUSTOMERS = [
    _address(
        "Anna de Vries",
        "Keizersgracht 112",
        "1015 CV",
        "Amsterdam",
        "NL",
        "+31 6 1234 5678",
        "anna.devries@example.com",
    ),
    _address("Daan Bakker", "Oudegracht 45", "3511 AB", "Utrecht", "NL", "+31 6 2345 6789", "daan.bakker@example.org"),
    _address(
        "Sanne Jansen",
        "Witte de Withstraat 23",
        "3012 BM",
        "Rotterdam",
        "NL",
        "+31 6 3456 7890",
        "sanne.jansen@example.net",
        line2="3e verdieping",
    ),
    _address(
        "Lars Visser", "Grote Markt 8", "9711 LV", "Groningen", "NL", "+31 6 4567 8901", "lars.visser@example.com"
    ),
    _address(
        "Fleur van Dijk",
        "Stratumseind 14",
        "5611 ET",
        "Eindhoven",
        "NL",
        "+31 6 5678 9012",
        "fleur.vandijk@example.org",
    ),
    _address(
        "Jonas Müller", "Bergmannstraße 54", "10961", "Berlin", "DE", "+49 30 6123 4567", "jonas.mueller@example.com"
    ),
    _address(
        "Lena Schmidt", "Schanzenstraße 18", "20357", "Hamburg", "DE", "+49 40 4321 0987", "lena.schmidt@example.net"
    ),
    _address("Felix Wagner", "Ehrenstraße 31", "50672", "Köln", "DE", "+49 221 987 6543", "felix.wagner@example.org"),
    _address(
        "Marie Becker",
        "Leopoldstraße 77",
        "80802",
        "München",
        "DE",
        "+49 89 2345 6789",
        "marie.becker@example.com",
        region="Bayern",
    ),
    _address("Lotte Peeters", "Meir 21", "2000", "Antwerpen", "BE", "+32 470 12 34 56", "lotte.peeters@example.net"),
    _address(
        "Thomas Dubois", "Rue Haute 102", "1000", "Bruxelles", "BE", "+32 471 23 45 67", "thomas.dubois@example.com"
    ),
    _address("Emma Claes", "Veldstraat 60", "9000", "Gent", "BE", "+32 472 34 56 78", "emma.claes@example.org"),
    _address(
        "Camille Laurent",
        "18 Rue des Martyrs",
        "75009",
        "Paris",
        "FR",
        "+33 6 12 34 56 78",
        "camille.laurent@example.com",
    ),
    _address("Louis Moreau", "7 Rue Mercière", "69002", "Lyon", "FR", "+33 6 23 45 67 89", "louis.moreau@example.net"),
    _address(
        "Chloé Lefèvre",
        "25 Rue de la Monnaie",
        "59800",
        "Lille",
        "FR",
        "+33 6 34 56 78 90",
        "chloe.lefevre@example.org",
    ),
]

# Cafés, bakeries and restaurants that buy 1 kg bags; some are billed at a head office.
WHOLESALE_CUSTOMERS = [
    (
        _address(
            "Pieter Smit",
            "Nieuwe Doelenstraat 20",
            "1012 CP",
            "Amsterdam",
            "NL",
            "+31 20 624 8800",
            "inkoop@cafedejaren.example.com",
            company="Café de Jaren",
        ),
        None,
    ),
    (
        _address(
            "Eva Mulder",
            "Twijnstraat 5",
            "3511 ZG",
            "Utrecht",
            "NL",
            "+31 30 231 4455",
            "eva@koffiebarstek.example.org",
            company="Koffiebar Stek",
        ),
        None,
    ),
    (
        _address(
            "Stefan Hoffmann",
            "Kastanienallee 12",
            "10435",
            "Berlin",
            "DE",
            "+49 30 4403 2210",
            "bestellung@kaffeehaus-hoffmann.example.com",
            company="Kaffeehaus Hoffmann GmbH",
        ),
        _address(
            "Buchhaltung Hoffmann Gastro GmbH",
            "Friedrichstraße 140",
            "10117",
            "Berlin",
            "DE",
            "+49 30 4403 2200",
            "rechnung@kaffeehaus-hoffmann.example.com",
            company="Hoffmann Gastro GmbH",
        ),
    ),
    (
        _address(
            "Katrin Schulz",
            "Zülpicher Straße 9",
            "50674",
            "Köln",
            "DE",
            "+49 221 240 1188",
            "katrin@baeckerei-schulz.example.net",
            company="Bäckerei Schulz",
        ),
        None,
    ),
    (
        _address(
            "Julien Bernard",
            "41 Rue Vieille du Temple",
            "75004",
            "Paris",
            "FR",
            "+33 1 42 72 10 10",
            "commandes@brasserie-lemarais.example.com",
            company="Brasserie Le Marais",
        ),
        _address(
            "Service comptabilité",
            "12 Boulevard Haussmann",
            "75009",
            "Paris",
            "FR",
            "+33 1 42 72 10 00",
            "compta@groupe-marais.example.com",
            company="Groupe Marais SAS",
        ),
    ),
    (
        _address(
            "Jan Willems",
            "Groenplaats 3",
            "2000",
            "Antwerpen",
            "BE",
            "+32 3 231 77 20",
            "jan@hetanker.example.org",
            company="Koffiehuis Het Anker",
        ),
        None,
    ),
]

# Shop SKUs the catalog does not know: imported orders that carry them are flagged.
UNKNOWN_SKUS = ["MUG-ENAMEL", "ESP-2000"]

DELIVERY_NOTES = [
    "Please leave the parcel with the neighbours at no. 14 if nobody is home.",
    "Gift — no invoice or prices in the box, please.",
    "Deliver before 10:00; the café opens at 10.",
    "Whole beans only, the customer has their own grinder.",
]

TIMELINE_NOTES = [
    "Customer called: the order is a birthday present, ship it so it arrives by Friday.",
    "Asked whether the Ethiopia can be ground for filter; customer prefers whole beans.",
    "Wholesale customer wants the same order every two weeks — check with sales about a standing order.",
    "Address confirmed by phone.",
    "Customer asked for a sample of the Kenya with the next order.",
]

# ---- roasting ----------------------------------------------------------------------------------------------------

# (name, minimum batch kg, maximum batch kg, batches per day)
MACHINES = [("Probat P12", "5", "15", 8), ("Giesen W30", "10", "30", 6)]

# Green coffee received as raw material: (lot name, kg, days ago received)
GREEN_LOTS = [
    ("Brazil Cerrado 2026", "180", 40),
    ("Guatemala Antigua 2026", "120", 40),
    ("Colombia Huila 2026", "120", 30),
    ("Honduras Marcala 2026", "90", 30),
    ("Ethiopia Yirgacheffe G1", "70", 25),
    ("Peru Swiss Water Decaf", "45", 25),
    ("Kenya Nyeri AA 2026", "35", 20),
]

# Profiles, one group per roasted product: (product, profile, machines, green lots or {lot: share}, batch kg,
# weight loss %). Kenya's new profile has no machine chosen yet: its order-conversion row shows what is missing.
PROFILES = [
    ("Espresso blend", "Espresso dark", ["Probat P12"], {"Brazil Cerrado 2026": "60", "Guatemala Antigua 2026": "40"},
     "12", "16"),
    ("House blend", "House medium", ["Giesen W30"],
     {"Colombia Huila 2026": "50", "Honduras Marcala 2026": "50"}, "24", "15"),
    ("Ethiopia Yirgacheffe", "Yirgacheffe light", ["Probat P12"], ["Ethiopia Yirgacheffe G1"], "10", "13"),
    ("Colombia Huila", "Huila medium", ["Probat P12", "Giesen W30"], ["Colombia Huila 2026"], "12", "14"),
    ("Decaf Swiss Water", "Decaf medium", ["Probat P12"], ["Peru Swiss Water Decaf"], "8", "15"),
    ("Kenya Nyeri AA", "Nyeri light", [], ["Kenya Nyeri AA 2026"], "8", "13"),
]  # fmt: skip

# A café's large order that packed stock cannot cover: its fulfillment plan needs roasting.
ROAST_ORDER_REF = "PO-7900"
ROAST_ORDER_CUSTOMER = 0  # of WHOLESALE_CUSTOMERS
ROAST_ORDER_ITEMS = [("ESP-1000", 40, "22.40"), ("HOU-1000", 20, "19.20"), ("KEN-250", 16, "9.20")]

# Where the demo's customers live: the own-label carrier gets a default shipping rule for each.
DEMO_COUNTRIES = ("NL", "BE", "DE", "FR")
