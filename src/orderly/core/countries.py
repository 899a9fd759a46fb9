"""ISO 3166-1 alpha-2 country codes and ISO 4217 currency codes, for validating addresses and prices."""

COUNTRY_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
    BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
    FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN
    IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
    MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
    PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE
    YT ZA ZM ZW
    """.split()
)

CURRENCY_CODES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD
    CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ
    GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR
    LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN
    PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB
    TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL
    """.split()
)

# Countries whose addresses carry no postal code (the Universal Postal Union's list, as shops' checkout forms
# follow it). Ireland is here too: Eircodes are recent and many addresses in shops still have none.
NO_POSTAL_CODE = frozenset(
    """
    AE AG AI AO AW BF BI BJ BO BS BW BZ CD CF CG CI CK CM CW DJ DM ER FJ GA GD GH GM GQ GY HK HM IE KI KM KN
    KP LC ML MO MR MW NR NU QA RW SB SC SL SO SR SS ST SX SY TD TF TG TK TL TO TT TV UG VU YE ZW
    """.split()
)

# Countries whose carriers need a state, province or prefecture in the address.
REGION_REQUIRED = frozenset("AR AU BR CA CN IN JP MX MY US".split())


# ISO 4217 currencies without minor units: their amounts are whole (a price of 100.5 JPY is a mistake). Amounts
# are stored with 2 decimals; more than that is refused for every currency.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF"}
    | {"XPF"}
)


# The member states of the European Union (the EU VAT area), by ISO 3166-1 code.
EU_MEMBER_STATES = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())

# A VAT number starts with its country's two letters: the ISO code, except Greece's EL and Northern Ireland's XI
# (the United Kingdom's VAT numbers for goods moved under EU rules).
VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}

# The shape of an EU VAT number after its two letters, as the Commission's VIES checks it: (pattern, in words).
EU_VAT_FORMATS = {
    "AT": (r"U[0-9]{8}", "U and 8 digits"),
    "BE": (r"[01][0-9]{9}", "10 digits, the first 0 or 1"),
    "BG": (r"[0-9]{9,10}", "9 or 10 digits"),
    "CY": (r"[0-9]{8}[A-Z]", "8 digits and a letter"),
    "CZ": (r"[0-9]{8,10}", "8 to 10 digits"),
    "DE": (r"[0-9]{9}", "9 digits"),
    "DK": (r"[0-9]{8}", "8 digits"),
    "EE": (r"[0-9]{9}", "9 digits"),
    "EL": (r"[0-9]{9}", "9 digits"),
    "ES": (r"[0-9A-Z][0-9]{7}[0-9A-Z]", "9 characters: a letter or digit, 7 digits, a letter or digit"),
    "FI": (r"[0-9]{8}", "8 digits"),
    "FR": (r"[0-9A-Z]{2}[0-9]{9}", "2 letters or digits and 9 digits"),
    "HR": (r"[0-9]{11}", "11 digits"),
    "HU": (r"[0-9]{8}", "8 digits"),
    "IE": (r"[0-9]{7}[A-Z]{1,2}|[0-9][A-Z+*][0-9]{5}[A-Z]", "7 digits and 1 or 2 letters"),
    "IT": (r"[0-9]{11}", "11 digits"),
    "LT": (r"[0-9]{9}|[0-9]{12}", "9 or 12 digits"),
    "LU": (r"[0-9]{8}", "8 digits"),
    "LV": (r"[0-9]{11}", "11 digits"),
    "MT": (r"[0-9]{8}", "8 digits"),
    "NL": (r"[0-9]{9}B[0-9]{2}", "9 digits, B and 2 digits"),
    "PL": (r"[0-9]{10}", "10 digits"),
    "PT": (r"[0-9]{9}", "9 digits"),
    "RO": (r"[0-9]{2,10}", "2 to 10 digits"),
    "SE": (r"[0-9]{12}", "12 digits"),
    "SI": (r"[0-9]{8}", "8 digits"),
    "SK": (r"[0-9]{10}", "10 digits"),
}


def vat_number_country(number: str) -> str:
    """The ISO country code of a VAT number's two letters (EL123456789 is Greek: GR); "" when they are none."""
    prefix = (number or "")[:2].upper()
    code = VAT_PREFIX_COUNTRY.get(prefix, prefix)
    return code if code in COUNTRY_CODES else ""
