"""The only tags and filters a merchant's e-mail template may use (the engine in templates.py loads nothing else).

Left out: tags that reach outside the context ({% load %}, {% include %}, {% extends %}, {% url %}, {% debug %},
{% csrf_token %}) and tags and filters whose argument sets the size of the output ({% lorem %}, ljust, rjust,
center, stringformat, floatformat), which a template could make take the worker's memory or time.
"""

from django.template import Library, defaultfilters, defaulttags

SAFE_TAGS = (
    "autoescape", "comment", "cycle", "filter", "firstof", "for", "if", "ifchanged", "now", "regroup",
    "resetcycle", "spaceless", "templatetag", "verbatim", "with", "widthratio",
)  # fmt: skip
SAFE_FILTERS = (
    "add", "capfirst", "cut", "date", "default", "default_if_none", "dictsort", "dictsortreversed", "divisibleby",
    "escape", "first", "join", "last", "length", "linebreaks", "linebreaksbr", "lower", "make_list", "pluralize",
    "random", "safe", "slice", "slugify", "striptags", "time", "title", "truncatechars", "truncatewords", "upper",
    "urlencode", "wordcount", "wordwrap", "yesno",
)  # fmt: skip

register = Library()
register.tags.update({name: defaulttags.register.tags[name] for name in SAFE_TAGS})
register.filters.update({name: defaultfilters.register.filters[name] for name in SAFE_FILTERS})
